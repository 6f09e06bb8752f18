import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import { CONSOLE_PATHS } from '../console/console-assets.js'
import { consoleRoutes } from '../console/console-routes.js'
import { cutSlowHeaders } from '../connections/slow-headers.js'
import { acceptJsonBodiesOnly } from './json-only.js'
import { errors } from '../errors.js'
import { authHook } from './auth.js'
import { hostCheckHook } from './host-check.js'
import type { AdminContext } from './context.js'
import { errorDetails } from './error-details.js'
import { allowlistRoutes } from './routes-allowlist.js'
import { instanceRoutes } from './routes-instances.js'
import { HEALTH_PATHS, healthRoutes } from './routes-health.js'
import { modeRoutes } from './routes-mode.js'
import { nodeRoutes } from './routes-nodes.js'
import { tokenRoutes } from './routes-tokens.js'
import { answerUnknownCalls } from './unknown-calls.js'

/** Admin bodies are small; anything larger is refused before it is read whole. */
export const ADMIN_BODY_LIMIT = 64 * 1024

/** Exact paths served without a token: liveness and readiness, and the console's static shell (no data, no /v1 call). */
const OPEN_PATHS = new Set([...HEALTH_PATHS, ...CONSOLE_PATHS])

/** Routes of other parts (ramps, schedules, /metrics): registered beside the core ones, behind the same auth. */
export type AdminRoutes = (scope: FastifyInstance, ctx: AdminContext) => Promise<void>

/** The admin API, on its own listener: JSON in and out, bearer tokens, Fastify's error shape. */
export async function buildAdminApp (ctx: AdminContext, logger: FastifyBaseLogger, moreRoutes: readonly AdminRoutes[] = []): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: logger, bodyLimit: ADMIN_BODY_LIMIT, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true })
  cutSlowHeaders(app.server, ctx.config.limits.headersTimeoutMs)
  app.decorateRequest('adminToken', null)
  // every answer is JSON or the console's files, each with its own type: never to be sniffed as anything else
  app.addHook('onRequest', async (_request, reply) => { reply.header('x-content-type-options', 'nosniff') })
  app.addHook('onRequest', hostCheckHook(ctx.config.admin.listen.host, ctx.config.admin.hosts))
  app.addHook('onRequest', authHook(ctx.config.admin.tokens, OPEN_PATHS))
  acceptJsonBodiesOnly(app)

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const statusCode = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    if (statusCode >= 500 && !(error.code ?? '').startsWith('GK_ERR_')) request.log.error({ err: error }, 'admin call failed')
    const message = statusCode >= 500 && !(error.code ?? '').startsWith('GK_ERR_') ? 'internal error; see the gatekeeper log' : error.message
    reply.code(statusCode).send({ statusCode, code: error.code ?? 'GK_ERR_INTERNAL', error: httpError(statusCode), message, ...errorDetails(error) })
  })
  app.setNotFoundHandler(answerUnknownCalls(app))

  await healthRoutes(app, ctx)

  await app.register(consoleRoutes, {})
  await app.register(async (scope) => {
    await modeRoutes(scope, ctx)
    await allowlistRoutes(scope, ctx)
    await tokenRoutes(scope, ctx)
    await instanceRoutes(scope, ctx)
    await nodeRoutes(scope, ctx)
    for (const routes of moreRoutes) await routes(scope, ctx)
    scope.get<{ Querystring: { limit?: string } }>('/v1/audit', async (request) => {
      const raw = request.query.limit ?? '50'
      const limit = Number(raw)
      if (!/^\d+$/.test(raw) || limit < 1 || limit > 1000) throw new errors.GK_ERR_BAD_REQUEST('"limit" must be a whole number from 1 to 1000')
      return await ctx.store.readAudit(limit)
    })
  })
  return app
}

function httpError (statusCode: number): string {
  const names: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    421: 'Misdirected Request',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
    504: 'Gateway Timeout'
  }
  return names[statusCode] ?? 'Error'
}
