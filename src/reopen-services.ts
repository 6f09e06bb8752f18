import type { Logger } from 'pino'
import type { Config } from './config/config.js'
import type { Decision } from './gate/decide.js'
import { createHealthGate, type HealthGate, type HealthSource } from './health/gate.js'
import { createHealthRecorder, type HealthRecorder } from './health/recorder.js'
import { createMetrics, type Metrics, type MetricsSources } from './metrics/metrics.js'
import { eventOf } from './notify/events.js'
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

export interface ReopenOptions {
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
   * The driven site's dependencies (`sites[].dependsOn`, src/sites/dependencies.ts
   * siteDependencies): a ramp step or a scheduled opening holds while one is
   * closed, unless forced. Absent: nothing holds.
   */
  dependencies?: SiteDependencies
  /**
   * Told when the health gate closes the site (aborts its ramp, or closes a
   * plain staging), after the trip is written: flags the sites that depend
   * on it (src/sites/dependencies.ts dependentFlagger). Absent: nobody is told.
   */
  flagDependents?: (abort: HealthAbort) => Promise<void>
}

/** Ramps, schedules, the health gate, webhooks and metrics, wired to one gatekeeper process. */
export interface Reopen {
  clock: Clock
  lease: Lease
  /** the state feed to write through: it tells the webhooks what each change did */
  store: StateWriter
  health: HealthRecorder
  healthGate: HealthGate
  notifier: Notifier
  metrics: Metrics
  rampDefaults: RampDefaults
  /** for the public app's onDecision */
  recordDecision: (decision: Decision) => void
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

export function createReopen (options: ReopenOptions): Reopen {
  const { config, runtime, store, notifier } = options
  const clock = options.clock ?? systemClock
  const lease = options.lease ?? createLocalLease()
  const log = options.logger.child({ component: 'reopen' })
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
      notifier.publish([eventOf('health.tripped', trip.state, { actor: 'gatekeeper', action: 'health.tripped' }, {
        reasons: trip.verdict.reasons, figures: trip.verdict.figures, thresholds: trip.thresholds, acted: trip.acted
      })])
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
  const metrics = createMetrics({
    state: () => runtime.current().state,
    store: () => ({ kind: store.kind, health: store.health() }),
    inFlight: () => ({ requests: runtime.inFlight, webSockets: runtime.webSockets }),
    upstream: () => health.totals(),
    healthGate: () => ({ verdict: healthGate.lastVerdict(), trips: healthGate.trips }),
    webhooks: () => notifier.stats(),
    ...(options.nodes === undefined ? {} : { nodes: options.nodes })
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
    notifier,
    metrics,
    rampDefaults,
    recordDecision: (decision) => { metrics.recordDecision(decision) },
    metricsText: async () => await metrics.text(),
    reconfigure (next) {
      if (JSON.stringify(next.webhooks) !== JSON.stringify(webhooksInForce)) notifier.replace(next.webhooks)
      webhooksInForce = next.webhooks
      healthGate.reconfigure(next.healthGate)
      rampDefaults.thresholds = next.healthGate.thresholds
    },
    start () {
      for (const driver of drivers) driver.start()
      healthGate.start()
    },
    close () {
      closing ??= (async () => {
        for (const driver of drivers) driver.stop()
        healthGate.stop()
        await notifier.close()
        await lease.release()
      })()
      return closing
    }
  }
}
