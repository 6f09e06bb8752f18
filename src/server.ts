import pino, { type Logger } from 'pino'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { publicSideOf } from './cluster/public-side.js'
import type { WorkerPool } from './cluster/worker-pool.js'
import { hostname } from 'node:os'
import type { Config } from './config/config.js'
import { buildAdminApp } from './admin/admin-app.js'
import { reopenRoutes } from './admin/routes-reopen.js'
import { siteReopenRoutes } from './admin/routes-site-reopen.js'
import { siteNotifier } from './notify/events.js'
import { DEFAULT_SITE } from './sites/config.js'
import { systemClock, type Clock } from './reopen/clock.js'
import type { Lease } from './state/lease.js'
import { createReopen, createWebhooks, type Reopen } from './reopen-services.js'
import type { HealthRecorder } from './health/recorder.js'
import { sharedHealthSource } from './health/shared-source.js'
import type { HealthSource } from './health/gate.js'
import type { UpstreamObserver } from './public/upstream-observer.js'
import { createConfirm } from './admin/confirm.js'
import { createReadiness } from './admin/readiness.js'
import { followStateWithFirewall } from './firewall/follow-state.js'
import type { FirewallOptions } from './firewall/firewall.js'
import { createGateRuntime, type GateRuntime } from './runtime/gate-runtime.js'
import { initialState } from './state/initial.js'
import { localAllowlistWarning } from './config/local-allowlist.js'
import type { InstanceRegistry } from './store/instances.js'
import { openStore, outagePolicyOf } from './config/open-store.js'
import { withOutagePolicy } from './feed/outage-policy.js'
import type { RegistryOptions } from './store/store.js'
import { createStateFeed, type StateFeed } from './feed/state-feed.js'
import { reloadRoutes } from './admin/routes-reload.js'
import { timelineRoutes } from './admin/routes-timeline.js'
import { siteTimelineRoutes } from './admin/routes-site-timeline.js'
import { gatekeeperReload } from './reload/gatekeeper-reload.js'
import { checkCertificates, reloadCertificates } from './public/tls/reload.js'
import type { ReloadBy, ReloadOutcome } from './reload/reloader.js'
import { createNodes, type Nodes } from './nodes/nodes.js'
import { withWindowEnded } from './timeline/window-ended.js'
import { noteStoreOutages } from './timeline/store-outages.js'
import { bothObservers, createTimelineCounts, type TimelineCounts } from './timeline/timeline-counts.js'
import { openSiteStates, type SiteStates } from './sites/site-states.js'
import { reportSiteChanges, siteReportFields } from './sites/site-reports.js'
import { siteHealthOf, siteReopens } from './site-reopens.js'
import { instanceIdOf, publicUrlsOf, urlOf } from './listen-urls.js'

export interface Gatekeeper {
  /** the configuration in force (a reload replaces it) */
  readonly config: Config
  runtime: GateRuntime
  /** the state feed: every change goes through it, and it tells every part of the process */
  store: StateFeed
  /** the instances sharing the state: on the file store, this one alone */
  instances: InstanceRegistry
  /** how this instance is listed among them */
  instanceId: string
  /** null when node:cluster workers serve the public listener (`workers: N`) */
  publicApp: FastifyInstance | null
  adminApp: FastifyInstance
  /** where the listeners ended up (port 0 picks a free one): the first public listener's, https:// when it is TLS */
  publicUrl: string
  /** every public listener's URL, in config order */
  publicUrls: string[]
  adminUrl: string
  /** ramps, schedules, the health gate, webhooks and metrics */
  reopen: Reopen
  /** reads the configuration file again and applies it whole, or refuses (src/reload/) */
  reload (by: ReloadBy): Promise<ReloadOutcome>
  /**
   * The application nodes: `nodes.reconfigure(next)` replaces the node list,
   * health check, affinity, timeouts and connection bound at run time. With
   * workers, each worker has its own and these only list the configuration.
   */
  nodes: Nodes
  /** the per-minute counts of what people experienced, for the timeline */
  timeline: TimelineCounts
  /** each site's state and gate (`sites:`); without it, `default` alone: the runtime and store above */
  sites: SiteStates
  close (): Promise<void>
}

export interface StartOptions {
  logger?: Logger
  /** where the firewall runs iptables (tests point it into a network namespace) */
  firewall?: FirewallOptions
  clock?: Clock
  /** who drives ramps and schedules; by default the store's (a Redis lease, or always this instance on the file store) */
  lease?: Lease
  /** how often this instance reports itself to the others, and when a silent one stops counting as live */
  registry?: RegistryOptions
  /** node:cluster workers serve the public listener; this process keeps the store and the admin API (src/cluster/) */
  workers?: WorkerPool
  /** the file the configuration came from, which a reload reads again, and the environment its secrets come from */
  configFile?: { path: string, env?: NodeJS.ProcessEnv }
}

/** The name under which ramps and schedules are driven by one instance at a time; a site other than default's: `reopen:<site>`. */
const REOPEN_LEASE = 'reopen'

/**
 * How long a driver keeps the lease after its last renewal: several of its
 * retries, so the holder keeps driving, yet short enough that another
 * instance takes over soon after the holder dies.
 */
function leaseTtlMs (config: Config): number {
  return Math.max(10_000, config.ramp.leaseRetryMs * 5)
}

/**
 * The process: config → store → the in-memory gate → the two listeners.
 * The store is read before anything listens: a state that cannot be read
 * stops start-up rather than opening the gate on a guess.
 */
export async function startGatekeeper (config: Config, options: StartOptions = {}): Promise<Gatekeeper> {
  const logger = options.logger ?? pino({ level: config.logLevel, name: 'gatekeeper' })
  const rawStore = await openStore(config, logger)
  // the outage policy, the same above either store: stand-ins, convergence, the local copy
  const store = withOutagePolicy(rawStore, outagePolicyOf(config), logger.child({ component: 'store' }))
  let state
  try {
    state = await store.init(initialState(config.initialMode, ''))
  } catch (err) {
    await store.close()
    throw err
  }
  const runtime = createGateRuntime(config, state)
  const instances = store.registry(options.registry)
  runtime.onApplied((next, previous) => {
    logger.info({ version: next.version, mode: next.mode, percent: next.state.percent, was: previous.mode, by: next.state.updatedBy }, 'state applied')
  })
  // a waiting admin call elsewhere hears at once, not on the next heartbeat
  const reportNow = (): void => { instances.reportNow().catch(() => {}) }
  const firewall = followStateWithFirewall(config, runtime, store, logger, options.firewall)
  runtime.onApplied(reportNow)
  // only a drain waits on the last public request, and nobody drains an open gate
  runtime.onIdle(() => { if (runtime.current().mode !== 'open') reportNow() })
  let instanceId = ''
  const lease = options.lease ?? store.lease(REOPEN_LEASE, leaseTtlMs(config))
  // several instances judge the application on everyone's figures, merged (one alone, on its own)
  const healthSource = (own: HealthRecorder): HealthSource => sharedHealthSource(instances, () => instanceId, own)
  const notifier = createWebhooks(config, store, logger)
  // with `sites:`, each event names its site: `default`'s too, when a site is named so
  const defaultIsSite = config.sites?.some((site) => site.name === DEFAULT_SITE) === true
  // on Redis, the timeline and the sites' stores share the main store's clients
  const redisLink = rawStore.kind === 'redis' ? rawStore.link : null
  const timeline = await createTimelineCounts({ config, clock: options.clock ?? systemClock, current: () => runtime.current().state, logger: logger.child({ component: 'timeline' }), instanceId: () => instanceId, link: redisLink })
  // an outage of the store is audited once it is back, so the timeline can tell it
  noteStoreOutages(rawStore, () => instanceId, Date.now, (err) => { logger.warn({ err: err.message }, 'could not record a store outage in the audit') })
  // once the site is open again after a window, the webhooks hear the window's summary
  const windowEnded = withWindowEnded(siteNotifier(notifier, defaultIsSite ? DEFAULT_SITE : undefined), { readAudit: (limit) => store.readAudit(limit), range: timeline.range, current: () => runtime.current().state, warn: (err) => { logger.warn({ err: err.message }, 'could not tell the webhooks the window ended') } })
  // the one way into the state: the workers (acknowledged), the gate, the firewall, the webhooks, once each
  const feed = createStateFeed({ store, runtime, workers: options.workers, firewall, notifier: windowEnded, logger })
  // with workers, each worker checks and counts its own nodes; this copy only lists them
  const nodes = createNodes(config.nodes, { current: runtime.current, log: logger, checks: options.workers === undefined, ...(options.workers === undefined ? {} : { elsewhere: options.workers.nodeFigures }) })
  let sites: SiteStates
  try {
    sites = await openSiteStates(config, logger, { runtime, feed, nodes, notifierOf: (site) => siteNotifier(notifier, site), timeline, clock: options.clock ?? systemClock, instanceId: () => instanceId, redisLink })
  } catch (err) {
    await nodes.close()
    await instances.close()
    await firewall.close()
    await store.close()
    throw err
  }
  // the ports that belong to a site follow it from here on
  firewall.followSites(sites)
  reportSiteChanges(sites, runtime, reportNow)
  // each site drives its own ramps and schedules and judges its own upstream; dependencies hold and flag
  const bySite = siteReopens({
    config,
    sites,
    notifier,
    logger,
    leaseOf: (site) => store.lease(`${REOPEN_LEASE}:${site}`, leaseTtlMs(config)),
    healthSourceOf: (site) => (own) => sharedHealthSource(instances, () => instanceId, own, site)
  })
  const reopen = createReopen({ config, store: feed, notifier, runtime, logger, clock: options.clock, lease, healthSource, nodes: () => nodes.list(), ...bySite.main, ...(bySite.sites === undefined ? {} : { sites: bySite.sites }) })
  // each site's answers count in its own health gate and its own timeline
  const timelineOf = (site: string | undefined): TimelineCounts => (site === undefined ? undefined : sites.get(site)?.timeline) ?? timeline
  const upstreamOf = (site: string): UpstreamObserver | undefined => {
    const gate = reopen.gateOf(site)
    if (gate === undefined) return undefined
    return bothObservers(gate.health, timelineOf(site).counter.upstream)
  }
  const fastifyLogger = logger as unknown as FastifyBaseLogger
  const publicSide = await publicSideOf(config, options.workers, {
    runtime,
    logger,
    onDecision: (decision, admission, site) => {
      reopen.recordDecision(decision, site)
      timelineOf(site).counter.decision(decision, admission)
    },
    upstream: bothObservers(reopen.health, timeline.counter.upstream),
    nodes,
    runtimeOf: (site) => sites.get(site)?.runtime ?? runtime,
    nodesOf: (site) => sites.get(site)?.nodes,
    upstreamOf,
    // in this process the audit hears of it; a worker (workers: N) only logs it
    onCertificateRefused: (refused) => {
      feed.note({ actor: 'gatekeeper', ip: '', action: 'tls.certificate-refused' }, { ...refused })
        .catch((err: unknown) => { logger.warn({ err: (err as Error).message }, 'could not record a refused TLS certificate in the audit') })
    }
  })
  const { pageProblems } = publicSide
  // not a refusal: the demo allowlists this machine on purpose; a production config should not
  const allowlistWarning = localAllowlistWarning(config)
  if (allowlistWarning !== null) logger.warn({ key: 'allowlist' }, allowlistWarning)
  // the gate's part of a reload reaches every site's gate
  const gates = { reconfigure: (next: Config): void => { runtime.reconfigure(next); sites.reconfigure(next) } }
  const { holder, reloader } = gatekeeperReload({ config, path: options.configFile?.path, env: options.configFile?.env, store: feed, logger, runtime: gates, publicSide, reopen, firewall, nodes, listeners: publicSide.listeners, certificates: { check: checkCertificates, reload: (checked) => { reloadCertificates(checked) } } })
  const readiness = createReadiness()
  const adminApp = await buildAdminApp({
    get config () { return holder.current() },
    store: feed,
    runtime,
    instances,
    confirm: createConfirm(instances, () => instanceId, logger),
    readiness,
    nodes,
    sites,
    ...(config.sites === undefined ? {} : { site: 'default' }),
    healthDetails: () => {
      const firewallHealth = firewall.health()
      return {
        pages: { ok: pageProblems.length === 0, problems: pageProblems },
        ...(firewallHealth === null ? {} : { firewall: firewallHealth }),
        ...(allowlistWarning === null ? {} : { warnings: [allowlistWarning] })
      }
    }
  }, fastifyLogger, [(scope, ctx) => reopenRoutes(scope, ctx, reopen), (scope, ctx) => siteReopenRoutes(scope, ctx, reopen), (scope) => reloadRoutes(scope, reloader), (scope, ctx) => timelineRoutes(scope, ctx, timeline, options.clock ?? systemClock), (scope, ctx) => siteTimelineRoutes(scope, ctx, options.clock ?? systemClock)])

  /** Everything in the order it must stop; the store last (on Redis, the clients it shares go with it). */
  async function stopAll (): Promise<void> {
    await reopen.close()
    await adminApp.close()
    // still listed while the public listener drains: a wait elsewhere counts these requests
    await publicSide.close()
    await timeline.close()
    await nodes.close()
    await instances.close()
    // the rules stay as they are: a stop must not open a database port
    await firewall.close()
    await sites.close()
    await store.close()
  }

  let publicAddresses: AddressInfo[]
  try {
    publicAddresses = await publicSide.listen()
    readiness.publicListening()
    await adminApp.listen({ host: config.admin.listen.host, port: config.admin.listen.port })
  } catch (err) {
    await stopAll()
    throw err
  }
  const publicUrls = publicUrlsOf(config, publicAddresses)
  const publicAddress = publicAddresses[0] as AddressInfo
  instanceId = instanceIdOf(config, publicAddress)
  const startedAt = new Date().toISOString()
  const host = hostname()
  instances.start(() => ({
    id: instanceId,
    host,
    pid: process.pid,
    version: runtime.current().version,
    inFlight: runtime.inFlight,
    webSockets: runtime.webSockets,
    ...siteReportFields(sites, config.sites !== undefined),
    startedAt,
    // the health window travels only while it is judged, so an open site's heartbeats stay small
    ...(runtime.current().mode === 'staged' ? { health: reopen.health.window((options.clock ?? systemClock).now()) } : {}),
    ...siteHealthOf(sites, reopen, (options.clock ?? systemClock).now())
  }))
  reopen.start()
  timeline.start()
  logger.info({ mode: state.mode, version: state.version, store: store.kind, upstream: config.upstream.origin, publicUrl: publicUrls[0], ...(publicUrls.length > 1 ? { publicUrls } : {}), adminUrl: urlOf(adminApp.server.address() as AddressInfo), ...(options.workers === undefined ? {} : { workers: options.workers.workers }) }, 'gatekeeper started')

  let closing: Promise<void> | undefined
  return {
    get config () { return holder.current() },
    runtime,
    store: feed,
    instances,
    instanceId,
    publicApp: publicSide.app,
    adminApp,
    publicUrl: publicUrls[0] as string,
    publicUrls,
    adminUrl: urlOf(adminApp.server.address() as AddressInfo),
    reopen,
    reload: reloader.reload,
    nodes,
    timeline,
    sites,
    close () {
      readiness.stopping()
      closing ??= stopAll()
      return closing
    }
  }
}
