import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import { CONSOLE_PATHS } from '../console/console-assets.js'
import { consoleRoutes } from '../console/console-routes.js'
import { cutSlowHeaders } from '../connections/slow-headers.js'
import { acceptJsonBodiesOnly } from './json-only.js'
import { errors } from '../errors.js'
import { errorBodyOf } from '../errors-reply.js'
import { packageVersion } from '../metrics/build-info.js'
import { authHook } from './auth.js'
import { hostCheckHook } from './host-check.js'
import type { AdminContext } from './context.js'
import { errorDetails } from './error-details.js'
import { allowlistRoutes } from './routes-allowlist.js'
import { instanceRoutes } from './routes-instances.js'
import { HEALTH_PATHS, healthRoutes } from './routes-health.js'
import { modeRoutes } from './routes-mode.js'
import { defaultModeOptions, readSiteAudit, readSitesAudit, siteRoutes } from './routes-sites.js'
import { windowRoutes } from './routes-windows.js'
import { nodeRoutes } from './routes-nodes.js'
import { tokenRoutes } from './routes-tokens.js'
import { answerUnknownCalls } from './unknown-calls.js'
import { serveOpenApi } from './openapi.js'
import { ADMIN_AJV, schemaError } from './validation.js'
import { object, readSchema } from './schemas.js'

/** Admin bodies are small; anything larger is refused before it is read whole. */
export const ADMIN_BODY_LIMIT = 64 * 1024

/** Exact paths served without a token: liveness and readiness, and the console's static shell (no data, no /v1 call). */
const OPEN_PATHS = new Set([...HEALTH_PATHS, ...CONSOLE_PATHS])

const AUDIT = readSchema('the audit log, newest first', { type: 'array', items: { type: 'object' } }, {
  querystring: object({
    limit: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'a whole number from 1 to 1000 (default 50)' },
    site: { type: 'string', maxLength: 63, description: 'only that site\'s entries (a 404 naming the sites for an unknown one)' }
  })
})

/** Routes of other parts (ramps, schedules, /metrics): registered beside the core ones, behind the same auth. */
export type AdminRoutes = (scope: FastifyInstance, ctx: AdminContext) => Promise<void>

/** The admin API, on its own listener: JSON in and out, bearer tokens, Fastify's error shape. */
export async function buildAdminApp (ctx: AdminContext, logger: FastifyBaseLogger, moreRoutes: readonly AdminRoutes[] = []): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: ADMIN_BODY_LIMIT,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ajv: ADMIN_AJV,
    schemaErrorFormatter: schemaError
  })
  // answers are written as they are: a response schema documents them, it never drops or coerces a field
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  cutSlowHeaders(app.server, ctx.config.limits.headersTimeoutMs)
  app.decorateRequest('adminToken', null)
  // every answer is JSON or the console's files, each with its own type: never to be sniffed as anything else
  app.addHook('onRequest', async (_request, reply) => { reply.header('x-content-type-options', 'nosniff') })
  app.addHook('onRequest', hostCheckHook(ctx.config.admin.listen.host, ctx.config.admin.hosts))
  app.addHook('onRequest', authHook(() => ctx.config.admin.tokens, OPEN_PATHS))
  // a call sent without a body is checked as an empty object: `{}` and nothing read alike
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined || request.body === null) request.body = {}
  })
  acceptJsonBodiesOnly(app)
  serveOpenApi(app, OPEN_PATHS, packageVersion())

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = errorBodyOf(error, errorDetails(error), undefined, ADMIN_BODY_LIMIT)
    if (body.code === 'GK_ERR_INTERNAL') request.log.error({ err: error }, 'admin call failed')
    reply.code(body.statusCode).send(body)
  })
  app.setNotFoundHandler(answerUnknownCalls(app))

  await healthRoutes(app, ctx)

  await app.register(consoleRoutes, {})
  await app.register(async (scope) => {
    // first: with sites and no `default`, its guard answers the old per-state calls
    await siteRoutes(scope, ctx)
    await modeRoutes(scope, ctx, defaultModeOptions(ctx))
    await windowRoutes(scope, ctx)
    await allowlistRoutes(scope, ctx)
    await tokenRoutes(scope, ctx)
    await instanceRoutes(scope, ctx)
    await nodeRoutes(scope, ctx)
    for (const routes of moreRoutes) await routes(scope, ctx)
    scope.get<{ Querystring: { limit?: string, site?: string } }>('/v1/audit', { schema: AUDIT }, async (request) => {
      const raw = request.query.limit ?? '50'
      const limit = Number(raw)
      if (limit < 1 || limit > 1000) throw new errors.GK_ERR_BAD_FIELD('query.limit', `must be a whole number from 1 to 1000, got ${JSON.stringify(raw)}`)
      if (request.query.site !== undefined) return await readSiteAudit(ctx, request.query.site, limit)
      // with sites:, each site's log, merged; without, the one log as always
      return ctx.config.sites === undefined || ctx.sites === undefined ? await ctx.store.readAudit(limit) : await readSitesAudit(ctx.sites, limit)
    })
  })
  return app
}
