import { withMode } from '../state/mode-changes.js'
import { errors } from '../errors.js'
import type { DependencyHold, Ramp, RampEnd, State } from '../state/types.js'
import { isoAt } from './clock.js'
import type { RampPlan } from './plan.js'

/**
 * The ramp as pure functions of the state and the time: each returns the
 * next state, or throws GK_ERR_CONFLICT when the call makes no sense now.
 * The driver and the admin API write what these return through the store.
 */

export type RampAction = 'ramp.step' | 'ramp.complete' | 'ramp.supersede' | 'ramp.held'

export interface RampTransition {
  action: RampAction
  next: State
  /** the closed dependencies a forced ramp's step went past, for the audit */
  forced?: string[]
}

export function runningRamp (state: State): Ramp | undefined {
  return state.ramp !== undefined && state.ramp.ended === undefined ? state.ramp : undefined
}

export function describeStep (ramp: Ramp): string {
  const step = ramp.steps[ramp.index]
  return `step ${ramp.index + 1} of ${ramp.steps.length} (${step?.percent ?? '?'} %)`
}

function requireRunning (state: State, what: string): Ramp {
  const ramp = runningRamp(state)
  if (ramp === undefined) throw new errors.GK_ERR_CONFLICT(`no ramp is running: there is nothing to ${what}`)
  return ramp
}

/** The ramp without what belongs to its current wait: a new step, a pause or an end starts afresh. */
function withoutTimers (ramp: Ramp): Ramp {
  const { nextAt: _next, remainingMs: _left, held: _held, ...rest } = ramp
  return rest
}

function sameSites (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((site, i) => site === b[i])
}

/**
 * A due opening (a ramp's next step, a schedule's openAt) while dependencies
 * are closed: the hold to record, or null when the one recorded already says
 * so (nothing to write: the driver looks again later).
 */
export function holdFor (current: DependencyHold | undefined, closed: readonly string[], now: number): DependencyHold | null {
  const sites = [...closed].sort()
  if (current !== undefined && sameSites(current.sites, sites)) return null
  return { reason: 'dependency-closed', sites, since: current?.since ?? isoAt(now) }
}

function ending (state: State, ramp: Ramp, end: Omit<RampEnd, 'at'>, now: number): State {
  return { ...state, ramp: { ...withoutTimers(ramp), ended: { at: isoAt(now), ...end } } }
}

/** Puts the ramp on step `index`: 100 % opens the site and ends it; any other step is staged and held. */
function enterStep (current: State, ramp: Ramp, index: number, now: number, by: string): State {
  const step = ramp.steps[index]
  if (step === undefined) throw new errors.GK_ERR_CONFLICT(`the ramp has no step ${index + 1}`)
  const moved: Ramp = { ...withoutTimers(ramp), index, stepStartedAt: isoAt(now) }
  if (step.percent === 100) {
    return ending(withMode(current, { mode: 'open' }, now), moved, { outcome: 'completed', reason: 'reached 100 %: the site is open', by }, now)
  }
  const staged = withMode(current, { mode: 'staged', percent: step.percent }, now)
  const holdMs = step.holdSeconds * 1000
  return { ...staged, ramp: moved.paused ? { ...moved, remainingMs: holdMs } : { ...moved, nextAt: isoAt(now + holdMs) } }
}

/** `force`: the ramp's steps never wait for closed dependencies (the start was checked, and forced, by the caller). */
export function startRamp (current: State, plan: RampPlan, now: number, by: string, force = false): State {
  const running = runningRamp(current)
  if (running !== undefined) {
    throw new errors.GK_ERR_CONFLICT(`a ramp is already running, at ${describeStep(running)}: pause, promote or abort it first`)
  }
  if (current.mode === 'open') throw new errors.GK_ERR_CONFLICT('the site is open: there is nothing to ramp; close or stage it first')
  const first = plan.steps[0]
  if (first === undefined) throw new errors.GK_ERR_BAD_FIELD('body.steps', 'must hold at least one step')
  if (current.mode === 'staged' && first.percent < current.percent) {
    throw new errors.GK_ERR_CONFLICT(`the first step (${first.percent} %) is below the staged ${current.percent} %: a ramp never turns away clients already admitted`)
  }
  const at = isoAt(now)
  const ramp: Ramp = {
    steps: plan.steps.map((step) => ({ ...step })),
    index: 0,
    startedAt: at,
    startedBy: by,
    stepStartedAt: at,
    paused: false,
    watchFrom: at,
    abortOn: plan.abortOn,
    ...(force ? { force: true } : {})
  }
  return enterStep(current, ramp, 0, now, by)
}

export function pauseRamp (current: State, now: number, by: string, reason = ''): State {
  const ramp = requireRunning(current, 'pause')
  if (ramp.paused) throw new errors.GK_ERR_CONFLICT(`the ramp is already paused, at ${describeStep(ramp)}`)
  const remainingMs = ramp.nextAt === undefined ? 0 : Math.max(0, Date.parse(ramp.nextAt) - now)
  return { ...current, ramp: { ...withoutTimers(ramp), paused: true, remainingMs, pausedBy: by, pauseReason: reason } }
}

export function resumeRamp (current: State, now: number): State {
  const ramp = requireRunning(current, 'resume')
  if (!ramp.paused) throw new errors.GK_ERR_CONFLICT(`the ramp is not paused: it is at ${describeStep(ramp)}`)
  const { remainingMs, pausedBy: _by, pauseReason: _reason, ...rest } = ramp
  return { ...current, ramp: { ...rest, paused: false, nextAt: isoAt(now + (remainingMs ?? 0)), watchFrom: isoAt(now) } }
}

/** The next step now; `full` opens the site at once. A paused ramp stays paused on its new step. */
export function promoteRamp (current: State, now: number, by: string, full: boolean): State {
  const ramp = requireRunning(current, 'promote')
  if (full) {
    return ending(withMode(current, { mode: 'open' }, now), { ...ramp, index: ramp.steps.length - 1 }, { outcome: 'completed', reason: `promoted to 100 % by ${by}`, by }, now)
  }
  if (ramp.index + 1 < ramp.steps.length) return enterStep(current, ramp, ramp.index + 1, now, by)
  return ending(current, ramp, { outcome: 'completed', reason: `promoted past its last step by ${by}: the site stays staged at ${current.percent} %`, by }, now)
}

/** Back to closed; the reason stays with the ramp in the state and in the audit. */
export function abortRamp (current: State, now: number, by: string, reason: string): State {
  const ramp = requireRunning(current, 'abort')
  return ending(withMode(current, { mode: 'closed' }, now), ramp, { outcome: 'aborted', reason, by }, now)
}

/** A running ramp whose state someone else changed (a close, an open, another percentage) has lost its say. */
function supersededBy (state: State, ramp: Ramp): string | null {
  const step = ramp.steps[ramp.index]
  if (state.mode === 'staged' && step !== undefined && state.percent === step.percent) return null
  const now = state.mode === 'staged' ? `staged at ${state.percent} %` : state.mode
  return `the site was set to ${now} by ${state.updatedBy}`
}

/** When the ramp next needs the driver: its next step, at once when superseded, never while paused. */
export function rampDueAt (state: State): number | undefined {
  const ramp = runningRamp(state)
  if (ramp === undefined) return undefined
  if (supersededBy(state, ramp) !== null) return 0
  if (ramp.paused || ramp.nextAt === undefined) return undefined
  return Date.parse(ramp.nextAt)
}

/**
 * What the driver writes at `now`, or null when nothing is due. `closed`:
 * the sites this one depends on that are closed now. A step that would
 * admit more of the public waits while any is (`ramp.held`, written once per
 * set of sites), unless the ramp was forced; it is taken once none is.
 */
export function rampTransition (state: State, now: number, closed: readonly string[] = []): RampTransition | null {
  const ramp = runningRamp(state)
  if (ramp === undefined) return null
  const superseded = supersededBy(state, ramp)
  if (superseded !== null) {
    return { action: 'ramp.supersede', next: ending(state, ramp, { outcome: 'superseded', reason: superseded, by: 'gatekeeper' }, now) }
  }
  if (ramp.paused || ramp.nextAt === undefined || Date.parse(ramp.nextAt) > now) return null
  if (ramp.index + 1 < ramp.steps.length) {
    if (closed.length > 0 && ramp.force !== true) {
      const held = holdFor(ramp.held, closed, now)
      return held === null ? null : { action: 'ramp.held', next: { ...state, ramp: { ...ramp, held } } }
    }
    const next = enterStep(state, ramp, ramp.index + 1, now, 'gatekeeper')
    return closed.length > 0 ? { action: 'ramp.step', next, forced: [...closed].sort() } : { action: 'ramp.step', next }
  }
  const reason = `held its last step for ${ramp.steps[ramp.index]?.holdSeconds ?? 0} s: the site stays staged at ${state.percent} %`
  return { action: 'ramp.complete', next: ending(state, ramp, { outcome: 'completed', reason, by: 'gatekeeper' }, now) }
}
