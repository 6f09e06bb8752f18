import { withMode } from '../state/mode-changes.js'
import { errors } from '../errors.js'
import { isoAt } from '../reopen/clock.js'
import type { RampPlan } from '../reopen/plan.js'
import { holdFor, runningRamp, startRamp } from '../reopen/ramp.js'
import type { Transition } from '../reopen/state-driver.js'
import type { Schedule, ScheduleThen, State } from '../state/types.js'

/**
 * A planned window as pure functions of the state and the time. At closeAt
 * the site closes with the schedule's reason and the window's expected end
 * set to openAt (the page's countdown and Retry-After follow it). At openAt
 * it holds closed (the default: no clock declares an upgrade done), starts
 * the schedule's ramp, or opens.
 */

export interface ScheduleInput {
  closeAt: string
  openAt?: string
  reason: string
  then: ScheduleThen
  ramp?: RampPlan
  /** open (or ramp) at openAt even while a dependency is closed; audited as forced */
  force?: boolean
}

export function createSchedule (current: State, input: ScheduleInput, now: number, by: string): State {
  if (current.schedule !== undefined) {
    throw new errors.GK_ERR_CONFLICT(`a schedule already exists (closing at ${current.schedule.closeAt}): extend it, or cancel it with DELETE /v1/schedule first`)
  }
  const schedule: Schedule = {
    closeAt: input.closeAt,
    ...(input.openAt === undefined ? {} : { openAt: input.openAt }),
    reason: input.reason,
    then: input.then,
    ...(input.ramp === undefined ? {} : { ramp: input.ramp }),
    phase: 'pending',
    createdBy: by,
    createdAt: isoAt(now),
    ...(input.force === true ? { force: true } : {})
  }
  return { ...current, schedule }
}

function requireSchedule (current: State): Schedule {
  if (current.schedule === undefined) throw new errors.GK_ERR_NOT_FOUND('schedule')
  return current.schedule
}

/** Moves openAt, and with it the expected end the public sees once the window has begun. */
export function extendSchedule (current: State, openAt: string, now: number): State {
  const schedule = requireSchedule(current)
  const at = Date.parse(openAt)
  if (at <= Date.parse(schedule.closeAt)) throw new errors.GK_ERR_BAD_TIME('body.openAt', `it (${openAt}) must be after the schedule's closeAt (${schedule.closeAt})`)
  if (at <= now) throw new errors.GK_ERR_BAD_TIME('body.openAt', `it is in the past (${openAt})`)
  const next: State = { ...current, schedule: { ...schedule, openAt } }
  if (schedule.phase === 'closed') next.window = { ...current.window, end: openAt }
  return next
}

/** The new openAt for an extension by `seconds`: from the current openAt. */
export function openAtExtendedBy (current: State, seconds: number): string {
  const schedule = requireSchedule(current)
  if (schedule.openAt === undefined) throw new errors.GK_ERR_CONFLICT('the schedule has no openAt to extend: give body.openAt instead of body.by')
  return isoAt(Date.parse(schedule.openAt) + seconds * 1000)
}

export function cancelSchedule (current: State): State {
  requireSchedule(current)
  const { schedule: _dropped, ...rest } = current
  return rest
}

export function scheduleDueAt (state: State): number | undefined {
  const schedule = state.schedule
  if (schedule === undefined) return undefined
  if (schedule.phase === 'pending') return Date.parse(schedule.closeAt)
  return schedule.openAt === undefined ? undefined : Date.parse(schedule.openAt)
}

function withoutSchedule (state: State): State {
  const { schedule: _done, ...rest } = state
  return rest
}

/** At openAt: what `then` asks, unless someone reopened first. */
function atOpen (state: State, schedule: Schedule, now: number): State {
  const rest = withoutSchedule(state)
  if (rest.mode === 'open' || runningRamp(rest) !== undefined) return rest
  if (schedule.then === 'open') return withMode(rest, { mode: 'open' }, now)
  if (schedule.then === 'ramp' && schedule.ramp !== undefined) {
    try {
      return startRamp(rest, schedule.ramp, now, 'schedule', schedule.force === true)
    } catch {
      // the site was staged above the ramp's first step by hand: it holds as it is
      return rest
    }
  }
  // hold: the ETA has passed and nobody has declared the upgrade done
  const { end: _passed, ...window } = rest.window
  return { ...rest, window }
}

/** Whether the opening at openAt would admit anyone: `then` open or ramp, on a site not yet reopened by someone else. */
function opensSomething (state: State, schedule: Schedule): boolean {
  return schedule.then !== 'hold' && state.mode !== 'open' && runningRamp(state) === undefined
}

/**
 * The change due at `now`, or null. `closed`: the sites this one depends on
 * that are closed now. The closing never waits; an opening (then open or
 * ramp) waits while any is (`schedule.held`, written once per set of sites),
 * unless the schedule was forced; it goes ahead once none is.
 */
export function scheduleTransition (state: State, now: number, closed: readonly string[] = []): Transition | null {
  const schedule = state.schedule
  const due = scheduleDueAt(state)
  if (schedule === undefined || due === undefined || due > now) return null
  if (schedule.phase === 'pending') {
    const closed = withMode(state, {
      mode: 'closed',
      ...(schedule.reason === '' ? {} : { reason: schedule.reason }),
      ...(schedule.openAt === undefined ? {} : { until: schedule.openAt })
    }, now)
    return { action: 'schedule.close', next: { ...closed, schedule: { ...schedule, phase: 'closed' } } }
  }
  if (closed.length > 0 && opensSomething(state, schedule)) {
    if (schedule.force === true) return { action: 'schedule.open', next: atOpen(state, schedule, now), forced: [...closed].sort() }
    const held = holdFor(schedule.held, closed, now)
    return held === null ? null : { action: 'schedule.held', next: { ...state, schedule: { ...schedule, held } } }
  }
  return { action: 'schedule.open', next: atOpen(state, schedule, now) }
}
