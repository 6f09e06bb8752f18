import type { Logger } from 'pino'
import type { Config } from './config/config.js'
import type { Decision } from './gate/decide.js'
import { createHealthGate, type HealthGate, type HealthSource } from './health/gate.js'
import { createHealthRecorder, type HealthRecorder } from './health/recorder.js'
import { createMetrics, type Metrics, type MetricsSources, type SiteMetricsSources } from './metrics/metrics.js'
import { DEFAULT_SITE } from './sites/config.js'
import { eventOf, withSite } from './notify/events.js'
import { createNotifier, type Notifier } from './notify/notifier.js'
import { replaceableNotifier, type ReplaceableNotifier } from './notify/replaceable-notifier.js'
import { rampDueAt, rampTransition } from './reopen/ramp.js'
import type { GateRuntime } from './runtime/gate-runtime.js'
import { scheduleDueAt, scheduleTransition } from './schedule/schedule.js'
import type { StateWriter, Store } from './store/store.js'
import { systemClock, type Clock } from './reopen/clock.js'
import { createLocalLease } from './reopen/lease.js'
import type { Lease } from './state/lease.js'
import type { RampDefaults } from './reopen/plan-input.js'
import { createStateDriver, type SiteDependencies, type StateDriver } from './reopen/state-driver.js'
import type { HealthAbort } from './sites/dependencies.js'

/** What ties a site's reopening to the sites around it (`sites[].dependsOn`, src/sites/dependencies.ts). */
export interface DependencyOptions {
  /**
   * The driven site's dependencies (siteDependencies): a ramp step or a
   * scheduled opening holds while one is closed, unless forced. Absent:
   * nothing holds.
   */
  dependencies?: SiteDependencies
  /**
   * Told when the health gate closes the site (aborts its ramp, or closes a
   * plain staging), after the trip is written: flags the sites that depend
   * on it (dependentFlagger). Absent: nobody is told.
   */
  flagDependents?: (abort: HealthAbort) => Promise<void>
}

export interface ReopenOptions extends DependencyOptions {
  config: Config
  /** the state feed: what ramps, schedules and the health gate write through */
  store: StateWriter
  /** the webhooks, also told of each change by the feed (createWebhooks) */
  notifier: ReplaceableNotifier
  runtime: GateRuntime
  logger: Logger
  clock?: Clock
  /** who drives; the local lease always holds (one instance on the file store) */
  lease?: Lease
  /** where the health gate reads its figures; this instance's recorder unless told otherwise */
  healthSource?: HealthSource | ((own: HealthRecorder) => HealthSource)
  /** the application nodes' counts, for /metrics */
  nodes?: MetricsSources['nodes']
  /**
   * With `sites:`, every site in configuration order. `default` (when one is
   * named so) is the state above; each other site gets its own ramp and
   * schedule drivers and its own health gate, on its own state, and every
   * webhook event and gate metric names its site.
   */
  sites?: readonly SiteReopenInput[]
}

/** A site's state, as its drivers and health gate act on it. */
export interface SiteReopenInput extends DependencyOptions {
  name: string
  runtime: GateRuntime
  /** the site's state feed */
  store: StateWriter
  /** who drives the site's ramps and schedules (one instance per site); the local lease by default */
  lease?: Lease
  /** where its health gate reads its figures; its own recorder unless told otherwise */
  healthSource?: HealthSource | ((own: HealthRecorder) => HealthSource)
  /** its nodes' counts, for /metrics */
  nodes?: MetricsSources['nodes']
}

/**
 * One state's ramp and schedule drivers and its health gate, judged on the
 * upstream answers its own recorder hears: `default`'s, or a site's.
 */
export interface GateReopen {
  /** the site, or null for the state of a process without `sites:` */
  readonly site: string | null
  readonly runtime: GateRuntime
  readonly lease: Lease
  readonly health: HealthRecorder
  readonly healthGate: HealthGate
  start (): void
  stop (): void
  reconfigure (next: Config): void
}

interface GateReopenOptions extends DependencyOptions {
  site: string | null
  config: Config
  runtime: GateRuntime
  store: StateWriter
  notifier: Pick<Notifier, 'publish'>
  clock: Clock
  lease: Lease
  healthSource?: HealthSource | ((own: HealthRecorder) => HealthSource)
  logger: Logger
}

/** Ramps, schedules, the health gate, webhooks and metrics, wired to one gatekeeper process. */
export interface Reopen {
  clock: Clock
  lease: Lease
  /** the state feed to write through: it tells the webhooks what each change did */
  store: StateWriter
  health: HealthRecorder
  healthGate: HealthGate
  /** `default`'s parts (the state above), or a site's; undefined for a site that is not configured */
  gateOf (site: string): GateReopen | undefined
  notifier: Notifier
  metrics: Metrics
  rampDefaults: RampDefaults
  /** for the public app's onDecision */
  recordDecision: (decision: Decision, site?: string) => void
  metricsText (): Promise<string>
  /** Takes a reloaded configuration's webhooks and health gate (thresholds, and the defaults of new ramps). */
  reconfigure (next: Config): void
  start (): void
  close (): Promise<void>
}

/** The webhooks of the configuration; one that gives up is noted in the audit log. */
export function createWebhooks (config: Config, store: Pick<Store, 'note'>, logger: Logger): ReplaceableNotifier {
  const log = logger.child({ component: 'reopen' })
  return replaceableNotifier((webhooks) => createNotifier(webhooks, {
    log,
    onGiveUp (report) {
      store.note({ actor: 'gatekeeper', ip: '', action: 'webhook.failed' }, {
        url: report.url, event: report.event.event, id: report.event.id, attempts: report.attempts, error: report.error ?? null
      }).catch((err: unknown) => { log.warn({ err: (err as Error).message }, 'could not record a failed webhook in the audit') })
    }
  }), config.webhooks)
}

/** The drivers and health gate of one state (createReopen makes one per site). */
export function createGateReopen (options: GateReopenOptions): GateReopen {
  const { config, runtime, store, notifier, clock, lease, site } = options
  const log = options.logger.child(site === null ? { component: 'reopen' } : { component: 'reopen', site })
  const health = createHealthRecorder({ clock, windowMs: config.healthGate.windowSeconds * 1000, perClient: config.healthGate.perClientSamples })
  const source: HealthSource = typeof options.healthSource === 'function'
    ? options.healthSource(health)
    : options.healthSource ?? { window: async (now) => health.window(now) }
  const healthGate = createHealthGate({
    runtime,
    store,
    clock,
    lease,
    source,
    config: config.healthGate,
    log,
    onTrip (trip) {
      notifier.publish(withSite([eventOf('health.tripped', trip.state, { actor: 'gatekeeper', action: 'health.tripped' }, {
        reasons: trip.verdict.reasons, figures: trip.verdict.figures, thresholds: trip.thresholds, acted: trip.acted
      })], site ?? undefined))
      const { flagDependents } = options
      if (flagDependents !== undefined && (trip.acted === 'abort' || trip.acted === 'close')) {
        flagDependents({ acted: trip.acted, reasons: trip.verdict.reasons, at: trip.state.updatedAt })
          .catch((err: unknown) => { log.warn({ err: (err as Error).message }, 'could not flag the dependent sites') })
      }
    }
  })
  const dependencies = options.dependencies === undefined ? {} : { dependencies: options.dependencies }
  const drivers: StateDriver[] = [
    createStateDriver({ runtime, store, clock, lease, log, dueAt: rampDueAt, transition: rampTransition, retryMs: config.ramp.leaseRetryMs, ...dependencies }),
    createStateDriver({ runtime, store, clock, lease, log, dueAt: scheduleDueAt, transition: scheduleTransition, retryMs: config.ramp.leaseRetryMs, ...dependencies })
  ]
  return {
    site,
    runtime,
    lease,
    health,
    healthGate,
    start () {
      for (const driver of drivers) driver.start()
      healthGate.start()
    },
    stop () {
      for (const driver of drivers) driver.stop()
      healthGate.stop()
    },
    reconfigure (next) {
      healthGate.reconfigure(next.healthGate)
    }
  }
}

function dependencyOptionsOf (from: DependencyOptions): DependencyOptions {
  return {
    ...(from.dependencies === undefined ? {} : { dependencies: from.dependencies }),
    ...(from.flagDependents === undefined ? {} : { flagDependents: from.flagDependents })
  }
}

export function createReopen (options: ReopenOptions): Reopen {
  const { config, runtime, store, notifier } = options
  const clock = options.clock ?? systemClock
  const lease = options.lease ?? createLocalLease()
  const sites = options.sites
  const named = sites?.some((site) => site.name === DEFAULT_SITE) === true
  // with `sites:`, the state above is a site only when one is named default
  const main = createGateReopen({ site: named ? DEFAULT_SITE : null, config, runtime, store, notifier, clock, lease, logger: options.logger, ...(options.healthSource === undefined ? {} : { healthSource: options.healthSource }), ...dependencyOptionsOf(options) })
  const others = (sites ?? []).filter((site) => site.name !== DEFAULT_SITE).map((site) => createGateReopen({
    site: site.name,
    config,
    runtime: site.runtime,
    store: site.store,
    notifier,
    clock,
    lease: site.lease ?? createLocalLease(),
    logger: options.logger,
    ...(site.healthSource === undefined ? {} : { healthSource: site.healthSource }),
    ...dependencyOptionsOf(site)
  }))
  const parts = new Map<string, GateReopen>(others.map((part) => [part.site as string, part]))
  if (sites === undefined || named) parts.set(DEFAULT_SITE, main)
  const { health, healthGate } = main
  // the sites do not change while the process runs: their metric sources are made once, not at every scrape
  const siteMetrics: SiteMetricsSources[] = (sites ?? []).map((site) => {
    const part = parts.get(site.name) ?? main
    return {
      name: site.name,
      state: () => part.runtime.current().state,
      upstream: () => part.health.totals(),
      healthGate: () => ({ verdict: part.healthGate.lastVerdict(), trips: part.healthGate.trips }),
      ...(site.name === DEFAULT_SITE ? (options.nodes === undefined ? {} : { nodes: options.nodes }) : (site.nodes === undefined ? {} : { nodes: site.nodes }))
    }
  })
  const metrics = createMetrics({
    state: () => runtime.current().state,
    store: () => ({ kind: store.kind, health: store.health() }),
    inFlight: () => ({ requests: runtime.inFlight, webSockets: runtime.webSockets }),
    upstream: () => health.totals(),
    healthGate: () => ({ verdict: healthGate.lastVerdict(), trips: healthGate.trips }),
    webhooks: () => notifier.stats(),
    ...(options.nodes === undefined ? {} : { nodes: options.nodes }),
    ...(sites === undefined ? {} : { sites: () => siteMetrics })
  })
  let closing: Promise<void> | undefined
  let webhooksInForce = config.webhooks
  const rampDefaults: RampDefaults = { steps: config.ramp.steps, thresholds: config.healthGate.thresholds }

  return {
    clock,
    lease,
    store,
    health,
    healthGate,
    gateOf: (site) => parts.get(site),
    notifier,
    metrics,
    rampDefaults,
    recordDecision: (decision, site) => { metrics.recordDecision(decision, site) },
    metricsText: async () => await metrics.text(),
    reconfigure (next) {
      if (JSON.stringify(next.webhooks) !== JSON.stringify(webhooksInForce)) notifier.replace(next.webhooks)
      webhooksInForce = next.webhooks
      main.reconfigure(next)
      for (const part of others) part.reconfigure(next)
      rampDefaults.thresholds = next.healthGate.thresholds
    },
    start () {
      main.start()
      for (const part of others) part.start()
    },
    close () {
      closing ??= (async () => {
        main.stop()
        for (const part of others) part.stop()
        await notifier.close()
        await lease.release()
        for (const part of others) await part.lease.release()
      })()
      return closing
    }
  }
}
