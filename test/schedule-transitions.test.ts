import t, { type Test } from 'tap'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import type { RampPlan } from '../src/reopen/plan.js'
import { runningRamp, startRamp } from '../src/reopen/ramp.js'
import { cancelSchedule, createSchedule, extendSchedule, openAtExtendedBy, scheduleDueAt, scheduleTransition, type ScheduleInput } from '../src/schedule/schedule.js'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'

/* A planned window as the driver walks it: pure functions of the state and the time, no clock, no store. */

const T0 = Date.parse('2026-11-22T01:00:00Z')
const CLOSE = T0 + 3600_000
const OPEN = T0 + 4 * 3600_000
const iso = (ms: number): string => new Date(ms).toISOString()
const plan: RampPlan = { steps: [{ percent: 10, holdSeconds: 300 }, { percent: 100, holdSeconds: 0 }], abortOn: DEFAULT_THRESHOLDS }

function open (): State {
  return { ...initialState('open', '', new Date(T0)), version: 7, seed: 'seed-before-the-window' }
}

function scheduled (then: ScheduleInput['then'], extra: Partial<ScheduleInput> = {}): State {
  return createSchedule(open(), { closeAt: iso(CLOSE), openAt: iso(OPEN), reason: 'Upgrading to 23.1', then, ...(then === 'ramp' ? { ramp: plan } : {}), ...extra }, T0, 'ops')
}

/** Runs the transition due at `now`, failing the test when none is. */
function due (t: Test, state: State, now: number, action: string): State {
  const transition = scheduleTransition(state, now)
  t.equal(transition?.action, action, `${action} is due at ${iso(now)}`)
  return { ...(transition?.next ?? state), version: state.version + 1 }
}

t.test('a new schedule is pending and changes nothing else', async (t) => {
  const state = scheduled('hold')
  t.same(state.schedule, { closeAt: iso(CLOSE), openAt: iso(OPEN), reason: 'Upgrading to 23.1', then: 'hold', phase: 'pending', createdBy: 'ops', createdAt: iso(T0) })
  const { schedule: _new, ...rest } = state
  t.same(rest, open())
  t.equal(scheduleDueAt(state), CLOSE)
  t.throws(() => createSchedule(state, { closeAt: iso(CLOSE), reason: '', then: 'hold' }, T0, 'ops'), { code: 'GK_ERR_CONFLICT', message: /already exists/ })
})

t.test('nothing is due before closeAt; at closeAt the site closes with the reason and the end the public sees', async (t) => {
  const state = scheduled('hold')
  t.equal(scheduleTransition(state, CLOSE - 1), null)
  const closed = due(t, state, CLOSE, 'schedule.close')
  t.equal(closed.mode, 'closed')
  t.equal(closed.reason, 'Upgrading to 23.1')
  t.same(closed.window, { start: iso(CLOSE), end: iso(OPEN) })
  t.equal(closed.schedule?.phase, 'closed')
  t.equal(scheduleDueAt(closed), OPEN)
  t.equal(scheduleTransition(closed, OPEN - 1), null)
})

t.test('a late driver still closes, at the time it runs', async (t) => {
  const closed = due(t, scheduled('hold'), CLOSE + 90_000, 'schedule.close')
  t.equal(closed.window.start, iso(CLOSE + 90_000))
})

t.test('then: hold keeps the site closed, drops the passed ETA and ends the schedule', async (t) => {
  const closed = due(t, scheduled('hold'), CLOSE, 'schedule.close')
  const held = due(t, closed, OPEN, 'schedule.open')
  t.equal(held.mode, 'closed')
  t.equal(held.reason, 'Upgrading to 23.1')
  t.same(held.window, { start: iso(CLOSE) }, 'no end: the ETA has passed and nobody declared the upgrade done')
  t.equal(held.schedule, undefined)
  t.equal(scheduleDueAt(held), undefined)
  t.equal(scheduleTransition(held, OPEN + 3600_000), null)
})

t.test('then: open opens at openAt', async (t) => {
  const opened = due(t, due(t, scheduled('open'), CLOSE, 'schedule.close'), OPEN, 'schedule.open')
  t.equal(opened.mode, 'open')
  t.equal(opened.percent, 100)
  t.same(opened.window, {})
  t.equal(opened.schedule, undefined)
})

t.test('then: ramp starts the schedule\'s ramp at openAt', async (t) => {
  const ramping = due(t, due(t, scheduled('ramp'), CLOSE, 'schedule.close'), OPEN, 'schedule.open')
  t.equal(ramping.mode, 'staged')
  t.equal(ramping.percent, 10)
  t.equal(runningRamp(ramping)?.startedBy, 'schedule')
  t.equal(ramping.ramp?.nextAt, iso(OPEN + 300_000))
  t.equal(ramping.schedule, undefined)
})

t.test('whoever reopened first wins: openAt changes nothing but ending the schedule', async (t) => {
  const closed = due(t, scheduled('ramp'), CLOSE, 'schedule.close')
  const byHand: State = { ...closed, mode: 'open', percent: 100, window: {}, reason: '' }
  const { schedule: _ended, ...rest } = due(t, byHand, OPEN, 'schedule.open')
  const { schedule: _pending, ...expected } = byHand
  t.same(rest, { ...expected, version: byHand.version + 1 })

  const rampByHand = { ...startRamp(closed, plan, CLOSE + 60_000, 'ops'), version: closed.version + 1 }
  const kept = due(t, rampByHand, OPEN, 'schedule.open')
  t.equal(kept.ramp?.startedBy, 'ops', 'a ramp started by hand is left running')
  t.equal(kept.schedule, undefined)

  const openLater = due(t, scheduled('open'), CLOSE, 'schedule.close')
  const rampInstead = { ...startRamp(openLater, plan, CLOSE + 60_000, 'ops'), version: openLater.version + 1 }
  const stillRamping = due(t, rampInstead, OPEN, 'schedule.open')
  t.equal(stillRamping.mode, 'staged', 'a ramp started by hand is not cut short by then: open')
  t.ok(runningRamp(stillRamping), 'and keeps running')
})

t.test('a site staged above the ramp\'s first step by hand holds as it is', async (t) => {
  const closed = due(t, scheduled('ramp'), CLOSE, 'schedule.close')
  const staged: State = { ...closed, mode: 'staged', percent: 40 }
  const after = due(t, staged, OPEN, 'schedule.open')
  t.equal(after.mode, 'staged')
  t.equal(after.percent, 40)
  t.equal(runningRamp(after), undefined)
  t.equal(after.schedule, undefined)
})

t.test('without openAt the site closes and stays closed: nothing more is due', async (t) => {
  const state = createSchedule(open(), { closeAt: iso(CLOSE), reason: '', then: 'hold' }, T0, 'ops')
  t.notOk('openAt' in (state.schedule ?? {}))
  const closed = due(t, state, CLOSE, 'schedule.close')
  t.equal(closed.reason, '', 'an empty reason does not replace the state\'s own')
  t.same(closed.window, { start: iso(CLOSE) })
  t.equal(scheduleDueAt(closed), undefined)
  t.equal(scheduleTransition(closed, CLOSE + 86400_000 * 365), null)
  t.throws(() => openAtExtendedBy(closed, 600), { code: 'GK_ERR_CONFLICT', message: /no openAt/ })
})

t.test('extending moves openAt, and the public ETA once the window has begun', async (t) => {
  const pending = scheduled('hold')
  const later = extendSchedule(pending, iso(OPEN + 1800_000), T0 + 1000)
  t.equal(later.schedule?.openAt, iso(OPEN + 1800_000))
  t.same(later.window, pending.window, 'a pending schedule shows no ETA yet')

  const closed = due(t, pending, CLOSE, 'schedule.close')
  t.equal(openAtExtendedBy(closed, 1800), iso(OPEN + 1800_000))
  const extended = extendSchedule(closed, openAtExtendedBy(closed, 1800), CLOSE + 1000)
  t.equal(extended.window.end, iso(OPEN + 1800_000))
  t.equal(scheduleDueAt(extended), OPEN + 1800_000)
  t.equal(scheduleTransition(extended, OPEN), null, 'the old openAt is no longer due')

  t.throws(() => extendSchedule(closed, iso(CLOSE), CLOSE + 1000), { code: 'GK_ERR_BAD_TIME', message: /must be after the schedule's closeAt/ })
  t.throws(() => extendSchedule(closed, iso(CLOSE + 500), CLOSE + 1000), { code: 'GK_ERR_BAD_TIME', message: /in the past/ })
  t.throws(() => extendSchedule(open(), iso(OPEN), T0), { code: 'GK_ERR_NOT_FOUND' })
})

t.test('cancelling drops the schedule and nothing else', async (t) => {
  const closed = due(t, scheduled('open'), CLOSE, 'schedule.close')
  const cancelled = cancelSchedule(closed)
  t.equal(cancelled.schedule, undefined)
  t.equal(cancelled.mode, 'closed', 'a cancelled window stays as it is')
  t.equal(scheduleTransition(cancelled, OPEN), null)
  t.throws(() => cancelSchedule(cancelled), { code: 'GK_ERR_NOT_FOUND' })
})
