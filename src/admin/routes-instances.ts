import type { FastifyInstance } from 'fastify'
import { isGatekeeperError } from '../errors.js'
import type { AdminContext } from './context.js'
import { object, readSchema } from './schemas.js'

const ROSTER = object({
  version: { type: 'integer', description: 'the state this instance serves' },
  instances: { type: 'array', items: { type: 'object' }, description: 'the live instances, each with the version it has applied and its in-flight counts' },
  silent: { type: 'array', items: { type: 'object' }, description: 'instances that stopped reporting without leaving' }
})

/**
 * The gatekeeper instances sharing this state: the live ones (reporting),
 * and the silent ones (stopped reporting without leaving; they may still be
 * serving an older state). `version` is the state this instance serves, so
 * a reader can tell who is behind.
 */
export async function instanceRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/instances', { schema: readSchema('the instances sharing this state', ROSTER) }, async (_request, reply) => {
    let roster
    try {
      roster = await ctx.instances.roster()
    } catch (err) {
      if (isGatekeeperError(err) && err.code === 'GK_ERR_STORE_UNAVAILABLE') {
        err.message = `${err.message}; the instances cannot be listed until it returns (GET /healthz shows this instance)`
      }
      throw err
    }
    reply.header('cache-control', 'no-store')
    return { version: ctx.runtime.current().version, instances: roster.live, silent: roster.silent }
  })
}
