import type { FastifyInstance } from 'fastify'
import type { Reloader } from '../reload/reloader.js'
import { withDetails } from './error-details.js'

/**
 * POST /v1/reload (operator): reads the configuration file again and
 * applies it whole, as SIGHUP does. 200 `{version, changed}`; a refusal is
 * 422 GK_ERR_RELOAD_REFUSED naming what is wrong, with `restartOnly` when
 * settings that need a restart differ. No body.
 */
export async function reloadRoutes (scope: FastifyInstance, reloader: Reloader): Promise<void> {
  scope.post('/v1/reload', async (request) => {
    const outcome = await reloader.reload({ actor: request.adminToken?.name ?? 'unknown', ip: request.ip, via: 'api' })
    if (!outcome.ok) throw outcome.restartOnly.length === 0 ? outcome.error : withDetails(outcome.error, { restartOnly: outcome.restartOnly })
    return { version: outcome.version, changed: outcome.changed }
  })
}
