import { withMode } from '../state/mode-changes.js'
import type { Clock } from '../reopen/clock.js'
import type { Lease } from '../state/lease.js'
import { abortRamp, pauseRamp, runningRamp } from '../reopen/ramp.js'
import type { DriverLog } from '../reopen/state-driver.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { HealthThresholds, State } from '../state/types.js'
import type { StateWriter } from '../store/store.js'
import type { HealthGateConfig } from './config.js'
import { figuresOf, judge, type HealthVerdict } from './evaluate.js'
import type { HealthWindow } from './window.js'

/** Where the figures come from: this instance's recorder, or every instance's windows merged. */
export interface HealthSource {
  window (now: number): Promise<HealthWindow>
}

export interface HealthTrip {
  verdict: HealthVerdict
  thresholds: HealthThresholds
  /** what the gate did: aborted the ramp, closed a plain staging, paused the ramp, or only told */
  acted: 'abort' | 'close' | 'pause' | 'none'
  state: State
}

export interface HealthGateOptions {
  runtime: GateRuntime
  store: StateWriter
  clock: Clock
  lease: Lease
  source: HealthSource
  config: HealthGateConfig
  log: DriverLog
  /** told once per trip, whatever was done about it */
  onTrip?: (trip: HealthTrip) => void
}

export interface HealthGate {
  start (): void
  stop (): void
  /** Takes reloaded settings: enabled, thresholds, how often and on how many clients it judges. */
  reconfigure (next: HealthGateConfig): void
  /** the last judgement while staged, for the API and /metrics */
  lastVerdict (): HealthVerdict | null
  readonly trips: number
}

/**
 * Watches the upstream while the site is staged (by hand or by a ramp) and,
 * when a threshold is crossed, aborts the ramp (closing the site) or holds
 * it, per the thresholds in force. Only the lease holder acts, on figures
 * from every instance when the source merges them.
 */
export function createHealthGate (options: HealthGateOptions): HealthGate {
  const { runtime, store, clock, lease, source, log } = options
  let config = options.config
  const windowMs = config.windowSeconds * 1000
  let cancel: (() => void) | null = null
  let running = false
  let verdict: HealthVerdict | null = null
  let trips = 0
  /** the state version of the trip already acted on and told: one trip, one action */
  let handledVersion = -1
  /** when this instance saw the site become staged: answers from before (closed, open) are not the staging's */
  let stagedFrom = -Infinity
  let listening = false

  function next (): void {
    if (!running) return
    cancel = clock.after(config.evaluateEveryMs, () => { cancel = null; tick().catch(() => {}) })
  }

  async function act (state: State, found: HealthVerdict, thresholds: HealthThresholds, now: number): Promise<HealthTrip['acted']> {
    const ramp = runningRamp(state)
    const why = `health gate: ${found.reasons.join('; ')}`
    const ctx = { actor: 'gatekeeper', ip: '' }
    await store.note({ ...ctx, action: 'health.tripped' }, { reasons: found.reasons, figures: found.figures, thresholds })
    let acted: HealthTrip['acted'] = 'none'
    if (thresholds.action === 'abort') {
      acted = ramp === undefined ? 'close' : 'abort'
      await store.update({ ...ctx, action: ramp === undefined ? 'health.close' : 'ramp.abort' },
        (current) => runningRamp(current) === undefined ? withMode(current, { mode: 'closed' }, now) : abortRamp(current, now, 'gatekeeper', why),
        state.version)
    } else if (ramp !== undefined && !ramp.paused) {
      acted = 'pause'
      await store.update({ ...ctx, action: 'ramp.pause' }, (current) => pauseRamp(current, now, 'gatekeeper', why), state.version)
    }
    log.warn({ reasons: found.reasons, acted }, 'health gate tripped')
    return acted
  }

  async function tick (): Promise<void> {
    try {
      const state = runtime.current().state
      if (!config.enabled || state.mode !== 'staged') {
        verdict = null
        return
      }
      const now = clock.now()
      const ramp = runningRamp(state)
      const thresholds = ramp?.abortOn ?? config.thresholds
      const from = Math.max(now - windowMs, ramp === undefined ? stagedFrom : Date.parse(ramp.watchFrom))
      const found = judge(figuresOf(await source.window(now), from, now), thresholds, config.minFailingClients)
      verdict = found
      if (!found.tripped || handledVersion === state.version) return
      if (!await lease.tryAcquire()) return
      handledVersion = state.version
      const acted = await act(state, found, thresholds, now)
      // the state the gate itself wrote is part of the same trip
      handledVersion = runtime.current().version
      trips++
      options.onTrip?.({ verdict: found, thresholds, acted, state: runtime.current().state })
    } catch (err) {
      // a lost race (someone changed the state first) is judged again on the next tick
      handledVersion = -1
      log.warn({ err: (err as Error).message }, 'the health gate could not act')
    } finally {
      next()
    }
  }

  return {
    start () {
      if (running) return
      running = true
      if (runtime.current().mode === 'staged') stagedFrom = clock.now()
      if (!listening) {
        runtime.onApplied((applied, previous) => {
          if (applied.mode === 'staged' && previous.mode !== 'staged') stagedFrom = clock.now()
        })
      }
      listening = true
      next()
    },
    stop () {
      running = false
      cancel?.()
      cancel = null
    },
    reconfigure (next) {
      // the window is fixed for the life of the process (a reload refuses to change it): the figures are kept for it
      config = next
    },
    lastVerdict: () => verdict,
    get trips () { return trips }
  }
}
