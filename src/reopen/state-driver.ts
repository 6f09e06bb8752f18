import { isGatekeeperError } from '../errors.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { State } from '../state/types.js'
import type { StateWriter } from '../store/store.js'
import type { Clock } from './clock.js'
import type { Lease } from '../state/lease.js'

export interface Transition {
  action: string
  next: State
  /** the closed dependencies this change went past (a forced ramp or schedule), recorded in its audit entry */
  forced?: string[]
}

/**
 * The sites the driven site depends on (`sites[].dependsOn`): which are
 * closed now, and a way to hear of a change to any of them, so a held step
 * goes ahead as soon as they open rather than on the next retry.
 */
export interface SiteDependencies {
  closed (): string[]
  onChange (listener: () => void): void
}

export interface DriverLog {
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
}

export interface StateDriverOptions {
  runtime: GateRuntime
  store: StateWriter
  clock: Clock
  lease: Lease
  log: DriverLog
  /** when the state next needs this driver (epoch ms), or undefined when it does not */
  dueAt: (state: State) => number | undefined
  /** the change due at `now`, or null; `closed`: the driven site's closed dependencies */
  transition: (state: State, now: number, closed: readonly string[]) => Transition | null
  /** the driven site's dependencies; absent: none (the transitions are given none closed) */
  dependencies?: SiteDependencies
  /** how soon to try again when the lease is held elsewhere or the store failed */
  retryMs?: number
}

export interface StateDriver {
  start (): void
  stop (): void
}

/** Thrown inside a mutation when the stored state no longer calls for the transition. */
class NotDue extends Error {}

/**
 * Carries out what the state says is due, at the time it is due. It sleeps
 * until the next due time and wakes on every state applied (from any
 * instance), so a restart, a pause or a change elsewhere re-plans it. The
 * transition is recomputed from the stored state inside the write and the
 * write expects the version it was planned on: it lands once, or not at all.
 */
export function createStateDriver (options: StateDriverOptions): StateDriver {
  const { runtime, store, clock, lease, log, dueAt, transition, dependencies } = options
  const retryMs = options.retryMs ?? 1000
  let cancel: (() => void) | null = null
  let running = false
  let busy = false
  let replan = false
  let listening = false

  function sleep (ms: number): void {
    cancel?.()
    if (ms > 0) {
      cancel = clock.after(ms, () => { cancel = null; tick().catch(() => {}) })
      return
    }
    // already due (a step missed while every instance was down, a superseded ramp): now, not on the next timer
    const soon = setImmediate(() => { cancel = null; tick().catch(() => {}) })
    cancel = () => { clearImmediate(soon) }
  }

  function plan (): void {
    if (!running) return
    if (busy) {
      replan = true
      return
    }
    const due = dueAt(runtime.current().state)
    if (due === undefined) {
      cancel?.()
      cancel = null
      return
    }
    sleep(Math.max(0, due - clock.now()))
  }

  async function tick (): Promise<void> {
    if (!running || busy) return
    const state = runtime.current().state
    const now = clock.now()
    const closed = dependencies?.closed() ?? []
    const planned = transition(state, now, closed)
    if (planned === null) {
      // due by the plan yet nothing to do would spin: look again later instead
      const due = dueAt(state)
      if (due !== undefined && due <= now) sleep(retryMs)
      else plan()
      return
    }
    busy = true
    replan = false
    let retry = false
    try {
      if (!await lease.tryAcquire()) {
        retry = true
        return
      }
      const forced = planned.forced === undefined ? {} : { forced: planned.forced }
      const written = await store.update({ actor: 'gatekeeper', ip: '', action: planned.action, ...forced }, (current) => {
        const fresh = transition(current, now, closed)
        if (fresh === null || fresh.action !== planned.action) throw new NotDue()
        return fresh.next
      }, state.version)
      log.info({ action: planned.action, version: written.version, ...forced }, 'transition applied')
      if (planned.action.endsWith('.held')) log.warn({ action: planned.action, closed }, 'a due opening holds: sites this one depends on are closed')
    } catch (err) {
      // someone else wrote first: the state they wrote re-plans this driver once it is
      // applied here; until then (a shared store's news may lag) look again later, not at once
      const overtaken = err instanceof NotDue || (isGatekeeperError(err) && err.code === 'GK_ERR_VERSION_MISMATCH')
      retry = runtime.current().version === state.version
      if (!overtaken) log.warn({ action: planned.action, err: (err as Error).message }, 'a due transition could not be written; retrying')
    } finally {
      busy = false
      if (running) {
        if (retry && !replan) sleep(retryMs)
        else plan()
      }
    }
  }

  return {
    start () {
      if (running) return
      running = true
      if (!listening) {
        runtime.onApplied(() => { plan() })
        dependencies?.onChange(() => { plan() })
      }
      listening = true
      plan()
    },
    stop () {
      running = false
      cancel?.()
      cancel = null
    }
  }
}
