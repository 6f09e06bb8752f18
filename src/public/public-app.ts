import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { errors } from '../errors.js'
import { errorBodyOf } from '../errors-reply.js'
import type { Config } from '../config/config.js'
import { connectionBudget, readFdLimit } from '../connections/fd-budget.js'
import { capPublicConnections } from '../connections/public-cap.js'
import { cutSlowHeaders } from '../connections/slow-headers.js'
import type { Decision } from '../gate/decide.js'
import type { Admission } from './admit.js'
import { loadAssets, type Asset } from '../page/assets.js'
import { loadPages } from '../page/pages.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { createAccessLog } from './access-log.js'
import { createNodes, type Nodes } from '../nodes/nodes.js'
import { createDoor } from './door.js'
import { doorServer, routeUpgrades, takeUpgradeRelay, type ListenerSetup, type ServerTimeouts } from './door-server.js'
import { bind, createListenerSet, type ListenerSet } from './listener-set.js'
import { createMaintenanceReply } from './maintenance-reply.js'
import { ownRoutes } from './own-routes.js'
import { createSiteGates } from './site-gates.js'
import type { UpstreamObserver } from './upstream-observer.js'
import { webSocketRelay } from './websocket-relay.js'
import { createCertificateSet, type RefusedCertificate } from './tls/certificate-set.js'
import { registerCertificateSet } from './tls/reload.js'

export interface PublicAppOptions {
  config: Config
  runtime: GateRuntime
  logger: FastifyBaseLogger
  onDecision?: (decision: Decision, admission?: Admission, site?: string) => void
  upstream?: UpstreamObserver
  /** a replacement TLS certificate was refused (the old one keeps serving) */
  onCertificateRefused?: (refused: RefusedCertificate) => void
  /** how often TLS certificate files are looked at, in ms */
  certificatePollMs?: number
  /** the application nodes; built here (with their health checks) when not given */
  nodes?: Nodes
  /** the gate of each site (`sites:`); by default every site follows `runtime` */
  runtimeOf?: (site: string) => GateRuntime
  /** each site's own nodes and the observer of its upstream answers (`sites:`); see createSiteGates */
  nodesOf?: (site: string) => Nodes | undefined
  upstreamOf?: (site: string) => UpstreamObserver | undefined
}

export interface PublicApp {
  app: FastifyInstance
  /** what /healthz says of the pages: refilled in place by a reload */
  pageProblems: string[]
  /**
   * Takes a reloaded configuration's live parts: the maintenance pages
   * (read again), the Retry-After hint, the cut-off, the WebSocket grace
   * period and the access log. The gate's own part (allowlist, paths,
   * trusted proxies) is the runtime's; the log level is the logger's.
   * Nothing that holds a connection is closed or rebuilt.
   */
  reconfigure (next: Config): void
  /** the application nodes this app passes requests to */
  nodes: Nodes
  /** The public listeners, which a reload rebinds (prepare, then commit or rollback). */
  listeners: Pick<ListenerSet, 'prepare' | 'commit' | 'rollback'>
  /** Listens on every public listener, in config order; resolves with where each ended up. */
  listen (): Promise<AddressInfo[]>
}

type Maintenance = ReturnType<typeof createMaintenanceReply>

/** The pages of `dir`, read again; the problems found are put in `problems`, in place. */
function maintenanceOf (config: Config, problems: string[], assets: Map<string, Asset>, logger: FastifyBaseLogger): Maintenance {
  const pages = loadPages(config.maintenance.pagesDir)
  problems.length = 0
  problems.push(...pages.problems)
  const loaded = loadAssets(config.maintenance.pagesDir, problems)
  assets.clear()
  for (const [name, asset] of loaded) assets.set(name, asset)
  for (const problem of problems) logger.warn({ problem }, 'maintenance page problem')
  return createMaintenanceReply({ statusCode: config.maintenance.statusCode, defaultRetryAfter: config.maintenance.retryAfter, forHost: pages.forHost })
}

/** A site's own pages: its maintenance answer, and the assets under its `pages` directory. */
interface SitePages {
  maintenance: Maintenance
  assets: Map<string, Asset>
}

/**
 * The maintenance answer and page assets of each site with its own `pages`;
 * the others take the default ones. Problems are added to `problems`.
 */
function sitePagesOf (config: Config, problems: string[], logger: FastifyBaseLogger): Map<string, SitePages> {
  const bySite = new Map<string, SitePages>()
  for (const site of config.sites ?? []) {
    if (site.pagesDir === undefined) continue
    const pages = loadPages(site.pagesDir)
    const found = [...pages.problems]
    const assets = loadAssets(site.pagesDir, found)
    for (const problem of found) {
      problems.push(`site ${site.name}: ${problem}`)
      logger.warn({ site: site.name, problem }, 'maintenance page problem')
    }
    const maintenance = createMaintenanceReply({ statusCode: config.maintenance.statusCode, defaultRetryAfter: config.maintenance.retryAfter, forHost: pages.forHost })
    bySite.set(site.name, { maintenance, assets })
  }
  return bySite
}

/**
 * The public listener: the door (door.ts) takes every request; Fastify
 * answers Gatekeeper's own paths and carries the WebSocket relay.
 */
export async function buildPublicApp (options: PublicAppOptions): Promise<PublicApp> {
  const { config, runtime, logger } = options
  const listeners = createListenerSet({
    certificatesOf: (listener) => createCertificateSet({
      listener,
      log: logger,
      ...(options.certificatePollMs === undefined ? {} : { pollMs: options.certificatePollMs }),
      ...(options.onCertificateRefused === undefined ? {} : { onRefused: options.onCertificateRefused })
    }),
    adopt: (set) => {
      const forget = registerCertificateSet(set)
      if (watching) set.watch()
      return () => {
        forget()
        set.close()
      }
    },
    log: logger
  })
  let watching = false
  // certificates first: one that cannot serve stops start-up, naming its key
  const setups = config.listeners.map((listener) => listeners.setupOf(listener))
  const servers: Server[] = []
  let live = config
  const problems: string[] = []
  const assets = new Map<string, Asset>()
  let current = maintenanceOf(config, problems, assets, logger)
  let bySite = sitePagesOf(config, problems, logger)
  const nodes = options.nodes ?? createNodes(config.nodes, { current: runtime.current, log: logger })
  const gates = createSiteGates({
    config,
    runtimeOf: options.runtimeOf ?? (() => runtime),
    nodes,
    live: () => live,
    maintenanceOf: (site) => bySite.get(site)?.maintenance ?? current,
    logger,
    ...(options.upstream === undefined ? {} : { upstream: options.upstream }),
    ...(options.nodesOf === undefined ? {} : { nodesOf: options.nodesOf }),
    ...(options.upstreamOf === undefined ? {} : { upstreamOf: options.upstreamOf })
  })
  // the relay links each admitted upgrade's client socket in the tracker of its site (the one that admitted it)
  const webSockets = { connected: (source: unknown) => { for (const gate of gates.all) gate.webSockets.connected(source) } }
  // the node each admitted upgrade goes to: the door chooses it, the relay connects there
  const upgradeTargets = new WeakMap<IncomingMessage, string>()
  const door = createDoor({
    accessLog: createAccessLog({ log: logger, enabled: () => live.accessLog }),
    upgradeTargets,
    gateOf: gates.gateOf,
    log: logger,
    ...(options.onDecision === undefined ? {} : { onDecision: options.onDecision })
  })
  let serve: ((setup: ListenerSetup) => Server) | undefined
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    serverFactory: (route, fastifyOptions) => {
      // the app's own server is the first listener's; the others (and those a reload adds) take the same door and routes
      const timeouts: ServerTimeouts = fastifyOptions
      serve = (setup) => doorServer(door, route, timeouts, setup)
      setups.forEach((setup) => servers.push(doorServer(door, route, timeouts, setup)))
      return servers[0] as Server
    }
  })
  // the cap first: a connection it closes is not given a header timer
  const budget = connectionBudget(config.limits.maxConnections, config.workers, readFdLimit())
  const cap = capPublicConnections(servers, budget, (ip) => runtime.current().allowlist.has(ip, Date.now()), logger)
  for (const server of servers) cutSlowHeaders(server, config.limits.headersTimeoutMs)
  logger.info({ ...budget, headersTimeoutMs: config.limits.headersTimeoutMs }, 'public connection limits')
  let listenersClosed: Promise<unknown> = Promise.resolve()
  app.addHook('preClose', (done) => {
    door.close()
    // the app's own server too: Fastify finds it closing, and its close hooks wait for this
    listenersClosed = listeners.close()
    done()
  })
  app.addHook('onClose', async () => { await listenersClosed })
  // after the listener has drained, so answers still streaming finish
  app.addHook('onClose', async () => { await gates.close() })

  // what Fastify itself answers here (a bad own-route call, an upgrade nobody serves) takes the one error shape too
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = errorBodyOf(error)
    if (body.code === 'GK_ERR_INTERNAL') request.log.error({ err: error }, 'public call failed')
    reply.code(body.statusCode).send(body)
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBodyOf(new errors.GK_ERR_NOT_FOUND(`Gatekeeper path ${request.method} ${(request.url.split('?', 1)[0] ?? '').slice(0, 100)}`)))
  })
  await app.register(ownRoutes, {
    config,
    runtime,
    assets,
    retryAfter: () => live.maintenance.retryAfter,
    runtimeFor: (raw) => gates.gateOf(raw)?.runtime ?? runtime,
    // a site with its own pages serves its own assets, and no other's
    assetsFor: (raw) => {
      const gate = gates.gateOf(raw)
      return gate === null ? assets : bySite.get(gate.name)?.assets ?? assets
    }
  })
  await app.register(webSocketRelay, { config, runtime, webSockets, upgradeTargets })
  const relay = takeUpgradeRelay(app.server)
  servers.forEach((server, i) => { routeUpgrades(server, setups[i] as ListenerSetup, door, relay) })
  listeners.start(servers.map((server, i) => ({ server, setup: setups[i] as ListenerSetup })), (setup) => {
    if (serve === undefined) throw new Error('the public app has no server factory')
    const server = serve(setup)
    cap(server)
    cutSlowHeaders(server, live.limits.headersTimeoutMs)
    routeUpgrades(server, setup, door, relay)
    return server
  })
  return {
    app,
    pageProblems: problems,
    reconfigure (next) {
      current = maintenanceOf(next, problems, assets, logger)
      bySite = sitePagesOf(next, problems, logger)
      // nodes handed in are their owner's to reconfigure; a worker's own follow here
      if (options.nodes === undefined && JSON.stringify(next.nodes) !== JSON.stringify(live.nodes)) nodes.reconfigure(next.nodes)
      live = next
    },
    nodes,
    listeners,
    async listen () {
      const [first, ...others] = config.listeners
      if (first === undefined) throw new Error('no public listener')
      await app.listen({ host: first.host, port: first.port })
      for (const [i, listener] of others.entries()) await bind(servers[i + 1] as Server, listener)
      watching = true
      for (const setup of setups) setup.certificates?.watch()
      return listeners.addresses()
    }
  }
}
