import type { FastifyInstance } from 'fastify'
import type { Reloader } from '../reload/reloader.js'
import { withDetails } from './error-details.js'
import { ERRORS, NOTHING, type RouteSchema } from './schemas.js'

const RELOAD_SCHEMA: RouteSchema = {
  summary: 'read the configuration file again and apply it whole, or refuse it (422) and keep the one in force',
  querystring: NOTHING,
  body: NOTHING,
  response: {
    200: {
      type: 'object',
      properties: {
        version: { type: 'integer', description: 'the configuration version in this process: 1 at start-up, one more for each reload that changed something' },
        changed: { type: 'array', items: { type: 'string' }, description: 'the top-level keys that changed' }
      }
    },
    ...ERRORS
  }
}

/**
 * POST /v1/reload (operator): reads the configuration file again and
 * applies it whole, as SIGHUP does. 200 `{version, changed}`; a refusal is
 * 422 GK_ERR_RELOAD_REFUSED naming what is wrong, with `restartOnly` when
 * settings that need a restart differ. No body.
 */
export async function reloadRoutes (scope: FastifyInstance, reloader: Reloader): Promise<void> {
  scope.post('/v1/reload', { schema: RELOAD_SCHEMA }, async (request) => {
    const outcome = await reloader.reload({ actor: request.adminToken?.name ?? 'unknown', ip: request.ip, via: 'api' })
    if (!outcome.ok) throw outcome.restartOnly.length === 0 ? outcome.error : withDetails(outcome.error, { restartOnly: outcome.restartOnly })
    return { version: outcome.version, changed: outcome.changed }
  })
}
