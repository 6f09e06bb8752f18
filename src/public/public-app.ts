import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Config } from '../config/config.js'
import { connectionBudget, readFdLimit } from '../connections/fd-budget.js'
import { capPublicConnections } from '../connections/public-cap.js'
import { cutSlowHeaders } from '../connections/slow-headers.js'
import type { Decision } from '../gate/decide.js'
import { loadAssets } from '../page/assets.js'
import { loadPages } from '../page/pages.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { createNodes, type Nodes } from '../nodes/nodes.js'
import { createAdmit } from './admit.js'
import { createDoor } from './door.js'
import { doorBeforeUpgrades, doorServer } from './door-server.js'
import { forwardedOptionsOf } from './forwarded-headers.js'
import { createMaintenanceReply } from './maintenance-reply.js'
import { ownRoutes } from './own-routes.js'
import { createPublicRequests } from './public-requests.js'
import { createUpstreamPass } from './upstream-pass.js'
import type { UpstreamObserver } from './upstream-observer.js'
import { webSocketRelay } from './websocket-relay.js'
import { createWebSocketTracker } from './websockets.js'

export interface PublicAppOptions {
  config: Config
  runtime: GateRuntime
  logger: FastifyBaseLogger
  onDecision?: (decision: Decision) => void
  upstream?: UpstreamObserver
  /** the application nodes; built here (with their health checks) when not given */
  nodes?: Nodes
}

/**
 * The public listener: the door (door.ts) takes every request; Fastify
 * answers Gatekeeper's own paths and carries the WebSocket relay.
 */
export async function buildPublicApp (options: PublicAppOptions): Promise<{ app: FastifyInstance, pageProblems: string[] }> {
  const { config, runtime, logger } = options
  const pages = loadPages(config.maintenance.pagesDir)
  const problems = [...pages.problems]
  const assets = loadAssets(config.maintenance.pagesDir, problems)
  for (const problem of problems) logger.warn({ problem }, 'maintenance page problem')
  const maintenance = createMaintenanceReply({ statusCode: config.maintenance.statusCode, defaultRetryAfter: config.maintenance.retryAfter, forHost: pages.forHost })
  const nodes = options.nodes ?? createNodes(config.nodes, { current: runtime.current, log: logger })
  const pass = createUpstreamPass({
    nodes,
    forwarded: forwardedOptionsOf(config, runtime.trustedProxies),
    log: logger,
    ...(options.upstream === undefined ? {} : { observer: options.upstream })
  })
  const publicRequests = createPublicRequests(runtime, config.publicRequestCutoffMs, logger)
  const webSockets = createWebSocketTracker(runtime, config.websocket.closeGraceMs, logger)
  const door = createDoor({
    admit: createAdmit(config, runtime),
    pass,
    maintenance,
    publicRequests,
    webSockets,
    log: logger,
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision })
  })
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    serverFactory: (route, fastifyOptions) => doorServer(door, route, fastifyOptions)
  })
  // the cap first: a connection it closes is not given a header timer
  const budget = connectionBudget(config.limits.maxConnections, config.workers, readFdLimit())
  capPublicConnections(app.server, budget, (ip) => runtime.current().allowlist.has(ip, Date.now()), logger)
  cutSlowHeaders(app.server, config.limits.headersTimeoutMs)
  logger.info({ ...budget, headersTimeoutMs: config.limits.headersTimeoutMs }, 'public connection limits')
  app.addHook('preClose', (done) => {
    door.close()
    done()
  })
  // after the listener has drained, so answers still streaming finish
  app.addHook('onClose', async () => { await pass.close() })
  app.addHook('onClose', async () => { webSockets.close() })
  app.addHook('onClose', async () => { publicRequests.close() })

  await app.register(ownRoutes, { config, runtime, assets })
  await app.register(webSocketRelay, { config, runtime, webSockets })
  doorBeforeUpgrades(app.server, door)
  return { app, pageProblems: problems }
}
