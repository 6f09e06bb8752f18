import type { Logger } from 'pino'
import type { Config } from './config/config.js'
import type { Decision } from './gate/decide.js'
import { createHealthGate, type HealthGate, type HealthSource } from './health/gate.js'
import { createHealthRecorder, type HealthRecorder } from './health/recorder.js'
import { createMetrics, type Metrics, type MetricsSources } from './metrics/metrics.js'
import { eventOf } from './notify/events.js'
import { createNotifier, type Notifier } from './notify/notifier.js'
import { withNotifications } from './notify/notifying-store.js'
import { rampDueAt, rampTransition } from './reopen/ramp.js'
import type { GateRuntime } from './runtime/gate-runtime.js'
import { scheduleDueAt, scheduleTransition } from './schedule/schedule.js'
import type { Store } from './store/store.js'
import { systemClock, type Clock } from './reopen/clock.js'
import { createLocalLease } from './reopen/lease.js'
import type { Lease } from './state/lease.js'
import type { RampDefaults } from './reopen/plan-input.js'
import { createStateDriver, type StateDriver } from './reopen/state-driver.js'

export interface ReopenOptions<S extends Store> {
  config: Config
  store: S
  runtime: GateRuntime
  logger: Logger
  clock?: Clock
  /** who drives; the local lease always holds (one instance on the file store) */
  lease?: Lease
  /** where the health gate reads its figures; this instance's recorder unless told otherwise */
  healthSource?: HealthSource | ((own: HealthRecorder) => HealthSource)
  /** the application nodes' counts, for /metrics */
  nodes?: MetricsSources['nodes']
}

/** Ramps, schedules, the health gate, webhooks and metrics, wired to one gatekeeper process. */
export interface Reopen<S extends Store = Store> {
  clock: Clock
  lease: Lease
  /** the store to write through: it tells the webhooks what each change did */
  store: S
  health: HealthRecorder
  healthGate: HealthGate
  notifier: Notifier
  metrics: Metrics
  rampDefaults: RampDefaults
  /** for the public app's onDecision */
  recordDecision: (decision: Decision) => void
  metricsText (): Promise<string>
  start (): void
  close (): Promise<void>
}

export function createReopen<S extends Store> (options: ReopenOptions<S>): Reopen<S> {
  const { config, runtime } = options
  const clock = options.clock ?? systemClock
  const lease = options.lease ?? createLocalLease()
  const log = options.logger.child({ component: 'reopen' })
  const rawStore = options.store
  const notifier = createNotifier(config.webhooks, {
    log,
    onGiveUp (report) {
      rawStore.note({ actor: 'gatekeeper', ip: '', action: 'webhook.failed' }, {
        url: report.url, event: report.event.event, id: report.event.id, attempts: report.attempts, error: report.error ?? null
      }).catch((err: unknown) => { log.warn({ err: (err as Error).message }, 'could not record a failed webhook in the audit') })
    }
  })
  const store = withNotifications(rawStore, (events) => { notifier.publish(events) }, log)
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
    }
  })
  const drivers: StateDriver[] = [
    createStateDriver({ runtime, store, clock, lease, log, dueAt: rampDueAt, transition: rampTransition, retryMs: config.ramp.leaseRetryMs }),
    createStateDriver({ runtime, store, clock, lease, log, dueAt: scheduleDueAt, transition: scheduleTransition, retryMs: config.ramp.leaseRetryMs })
  ]
  const metrics = createMetrics({
    state: () => runtime.current().state,
    store: () => ({ kind: rawStore.kind, health: rawStore.health() }),
    inFlight: () => ({ requests: runtime.inFlight, webSockets: runtime.webSockets }),
    upstream: () => health.totals(),
    healthGate: () => ({ verdict: healthGate.lastVerdict(), trips: healthGate.trips }),
    webhooks: () => notifier.stats(),
    ...(options.nodes === undefined ? {} : { nodes: options.nodes })
  })
  let closing: Promise<void> | undefined

  return {
    clock,
    lease,
    store,
    health,
    healthGate,
    notifier,
    metrics,
    rampDefaults: { steps: config.ramp.steps, thresholds: config.healthGate.thresholds },
    recordDecision: (decision) => { metrics.recordDecision(decision) },
    metricsText: async () => await metrics.text(),
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
