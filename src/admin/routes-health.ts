import type { FastifyInstance } from 'fastify'
import type { AdminContext } from './context.js'
import { healthOf } from './health.js'
import { ERRORS, NOTHING, type Schema } from './schemas.js'

const HEALTH: Schema = {
  type: 'object',
  description: 'status ok or degraded, one line per degraded part in reasons, the state this instance serves, and each part\'s report',
  properties: { status: { type: 'string', enum: ['ok', 'degraded'] }, reasons: { type: 'array', items: { type: 'string' } }, mode: { type: 'string' }, percent: { type: 'number' }, version: { type: 'integer' }, store: { type: 'object' } }
}
const READY: Schema = { type: 'object', properties: { ready: { type: 'boolean' }, reasons: { type: 'array', items: { type: 'string' } } } }

/** Paths a monitor or load balancer calls without a token. */
export const HEALTH_PATHS = ['/healthz', '/readyz'] as const

/**
 * /healthz: is every part well (200), or degraded (503, the reasons listed)?
 * /readyz: should this instance be sent work (listening, state loaded, not
 * stopping)? A degraded instance can be ready: it still serves the state it
 * holds, closed when in doubt.
 */
export async function healthRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/healthz', { schema: { summary: 'is every part of this instance well? (no token)', querystring: NOTHING, response: { 200: HEALTH, 503: HEALTH, ...ERRORS } } }, async (_request, reply) => {
    const snapshot = ctx.runtime.current()
    const store = ctx.store.health()
    const details = ctx.healthDetails()
    const { ok, reasons } = healthOf(store, details)
    reply.code(ok ? 200 : 503).header('cache-control', 'no-store')
    return { status: ok ? 'ok' : 'degraded', reasons, mode: snapshot.mode, percent: snapshot.state.percent, version: snapshot.version, store, ...details }
  })

  app.get('/readyz', { schema: { summary: 'should this instance be sent work? (no token)', querystring: NOTHING, response: { 200: READY, 503: READY, ...ERRORS } } }, async (request, reply) => {
    const readiness = ctx.readiness.check(request.server.server.listening)
    reply.code(readiness.ready ? 200 : 503).header('cache-control', 'no-store')
    return readiness
  })
}
