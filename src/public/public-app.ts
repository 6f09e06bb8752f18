import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Config } from '../config/config.js'
import { connectionBudget, readFdLimit } from '../connections/fd-budget.js'
import { capPublicConnections } from '../connections/public-cap.js'
import { cutSlowHeaders } from '../connections/slow-headers.js'
import type { Decision } from '../gate/decide.js'
import { loadAssets } from '../page/assets.js'
import { loadPages } from '../page/pages.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { forwardedOptionsOf } from './forwarded-headers.js'
import { createFrontDoor, frontDoorServer } from './front-door.js'
import { gatedProxy } from './gated-proxy.js'
import type { UpstreamObserver } from './upstream-observer.js'
import { createMaintenanceReply } from './maintenance-reply.js'
import { ownRoutes } from './own-routes.js'
import { createPublicRequests } from './public-requests.js'
import { createUpstreamPass } from './upstream-pass.js'
import { createWebSocketTracker } from './websockets.js'

export interface PublicAppOptions {
  config: Config
  runtime: GateRuntime
  logger: FastifyBaseLogger
  onDecision?: (decision: Decision) => void
  upstream?: UpstreamObserver
}

const BAD_TARGET = '/__gatekeeper/bad-target'

/** The public listener: Gatekeeper's own paths, then the gate and the proxy. */
export async function buildPublicApp (options: PublicAppOptions): Promise<{ app: FastifyInstance, pageProblems: string[] }> {
  const { config, runtime, logger } = options
  const pages = loadPages(config.maintenance.pagesDir)
  const problems = [...pages.problems]
  const assets = loadAssets(config.maintenance.pagesDir, problems)
  for (const problem of problems) logger.warn({ problem }, 'maintenance page problem')
  const maintenance = createMaintenanceReply({ statusCode: config.maintenance.statusCode, defaultRetryAfter: config.maintenance.retryAfter, forHost: pages.forHost })
  const pass = createUpstreamPass({
    upstream: config.upstream,
    forwarded: forwardedOptionsOf(config, runtime.trustedProxies),
    ...(options.upstream === undefined ? {} : { observer: options.upstream })
  })
  const publicRequests = createPublicRequests(runtime, config.publicRequestCutoffMs, logger)
  // at debug, every decision is logged by the gate hook: then every request goes through it
  const frontDoor = logger.level === 'debug' || logger.level === 'trace'
    ? null
    : createFrontDoor({ config, runtime, pass, maintenance, publicRequests, ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision }) })
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // an absolute-form target must never make Gatekeeper a forward proxy
    rewriteUrl: (req) => (req.url !== undefined && req.url.startsWith('/') ? req.url : BAD_TARGET),
    serverFactory: (route, fastifyOptions) => frontDoorServer(route, frontDoor, fastifyOptions)
  })
  // the cap first: a connection it closes is not given a header timer
  const budget = connectionBudget(config.limits.maxConnections, config.workers, readFdLimit())
  capPublicConnections(app.server, budget, (ip) => runtime.current().allowlist.has(ip, Date.now()), logger)
  cutSlowHeaders(app.server, config.limits.headersTimeoutMs)
  logger.info({ ...budget, headersTimeoutMs: config.limits.headersTimeoutMs }, 'public connection limits')
  app.addHook('preClose', (done) => {
    frontDoor?.close()
    done()
  })
  // after the listener has drained, so answers still streaming finish
  app.addHook('onClose', async () => { await pass.close() })
  const webSockets = createWebSocketTracker(runtime, config.websocket.closeGraceMs, logger)
  app.addHook('onClose', async () => { webSockets.close() })
  app.addHook('onClose', async () => { publicRequests.close() })

  app.all(BAD_TARGET, async (_request, reply) => {
    return reply.code(400).send({ statusCode: 400, code: 'GK_ERR_BAD_REQUEST', error: 'Bad Request', message: 'the request target must be a path; Gatekeeper is not a forward proxy' })
  })
  await app.register(ownRoutes, { config, runtime, assets })
  await app.register(gatedProxy, {
    config,
    runtime,
    webSockets,
    pass,
    publicRequests,
    maintenance,
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision })
  })
  return { app, pageProblems: problems }
}
