import t from 'tap'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import type { RampPlan } from '../src/reopen/plan.js'
import { abortRamp, pauseRamp, promoteRamp, rampDueAt, rampTransition, resumeRamp, runningRamp, startRamp } from '../src/reopen/ramp.js'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'

const T0 = Date.parse('2026-11-22T02:00:00Z')
const plan: RampPlan = {
  steps: [{ percent: 5, holdSeconds: 300 }, { percent: 25, holdSeconds: 600 }, { percent: 100, holdSeconds: 0 }],
  abortOn: DEFAULT_THRESHOLDS
}

function closed (): State {
  return { ...initialState('closed', 'Upgrading'), version: 3 }
}

/** What the store would do: bump the version (the driver's transitions are written this way). */
function written (state: State): State {
  return { ...state, version: state.version + 1, updatedBy: 'gatekeeper' }
}

t.test('a ramp walks its steps at their times and opens at 100 %', async (t) => {
  let state = written(startRamp(closed(), plan, T0, 'ops'))
  t.equal(state.mode, 'staged')
  t.equal(state.percent, 5)
  t.equal(state.reason, 'Upgrading', 'the public reason is kept')
  t.equal(state.ramp?.nextAt, new Date(T0 + 300_000).toISOString())
  t.equal(rampDueAt(state), T0 + 300_000)
  t.equal(rampTransition(state, T0 + 299_999), null, 'nothing is due before the hold ends')

  const second = rampTransition(state, T0 + 300_000)
  t.equal(second?.action, 'ramp.step')
  state = written(second?.next as State)
  t.equal(state.percent, 25)
  t.equal(state.ramp?.index, 1)
  t.equal(state.ramp?.nextAt, new Date(T0 + 900_000).toISOString())

  const last = rampTransition(state, T0 + 900_000)
  state = written(last?.next as State)
  t.equal(state.mode, 'open')
  t.equal(state.percent, 100)
  t.equal(state.ramp?.ended?.outcome, 'completed')
  t.equal(runningRamp(state), undefined)
  t.equal(rampDueAt(state), undefined, 'an ended ramp needs no driver')
})

t.test('a last step below 100 % holds, then the ramp ends staged', async (t) => {
  let state = written(startRamp(closed(), { ...plan, steps: [{ percent: 10, holdSeconds: 60 }, { percent: 50, holdSeconds: 60 }] }, T0, 'ops'))
  state = written(rampTransition(state, T0 + 60_000)?.next as State)
  const end = rampTransition(state, T0 + 120_000)
  t.equal(end?.action, 'ramp.complete')
  t.equal(end?.next.mode, 'staged')
  t.equal(end?.next.percent, 50)
  t.equal(end?.next.ramp?.ended?.outcome, 'completed')
})

t.test('pause keeps what is left of the hold; resume starts it again from there', async (t) => {
  let state = written(startRamp(closed(), plan, T0, 'ops'))
  state = written(pauseRamp(state, T0 + 100_000, 'ops', 'looking at the logs'))
  t.equal(state.ramp?.paused, true)
  t.equal(state.ramp?.remainingMs, 200_000)
  t.equal(state.ramp?.nextAt, undefined)
  t.equal(rampDueAt(state), undefined, 'a paused ramp is not due')
  t.equal(rampTransition(state, T0 + 10_000_000), null, 'however long it waits')
  t.throws(() => pauseRamp(state, T0, 'ops'), { code: 'GK_ERR_CONFLICT' })

  state = written(resumeRamp(state, T0 + 500_000))
  t.equal(state.ramp?.nextAt, new Date(T0 + 700_000).toISOString())
  t.equal(state.ramp?.watchFrom, new Date(T0 + 500_000).toISOString(), 'the health gate judges from the resume')
  t.equal(state.ramp?.remainingMs, undefined)
  t.throws(() => resumeRamp(state, T0), { code: 'GK_ERR_CONFLICT' })
})

t.test('promote takes the next step now; full opens at once', async (t) => {
  let state = written(startRamp(closed(), plan, T0, 'ops'))
  state = written(promoteRamp(state, T0 + 1000, 'ops', false))
  t.equal(state.percent, 25)
  t.equal(state.ramp?.nextAt, new Date(T0 + 1000 + 600_000).toISOString())
  const opened = promoteRamp(state, T0 + 2000, 'ops', true)
  t.equal(opened.mode, 'open')
  t.equal(opened.ramp?.ended?.reason, 'promoted to 100 % by ops')

  const paused = written(pauseRamp(written(startRamp(closed(), plan, T0, 'ops')), T0 + 10, 'ops'))
  const promoted = promoteRamp(paused, T0 + 20, 'ops', false)
  t.equal(promoted.percent, 25)
  t.equal(promoted.ramp?.paused, true, 'a paused ramp stays paused on its new step')
  t.equal(promoted.ramp?.remainingMs, 600_000)
})

t.test('abort closes and keeps the reason with the ramp', async (t) => {
  const state = written(startRamp(closed(), plan, T0, 'ops'))
  const aborted = abortRamp(state, T0 + 5000, 'ops', 'login page broken')
  t.equal(aborted.mode, 'closed')
  t.equal(aborted.percent, 0)
  t.same(aborted.ramp?.ended, { at: new Date(T0 + 5000).toISOString(), outcome: 'aborted', reason: 'login page broken', by: 'ops' })
  t.equal(aborted.seed, state.seed, 'the buckets stay: a new ramp admits the same clients first')
  t.throws(() => abortRamp(written(aborted), T0, 'ops', 'again'), { code: 'GK_ERR_CONFLICT', message: /no ramp is running/ })
})

t.test('a ramp refuses to start where it makes no sense', async (t) => {
  t.throws(() => startRamp({ ...closed(), mode: 'open', percent: 100 }, plan, T0, 'ops'), { code: 'GK_ERR_CONFLICT', message: /site is open/ })
  t.throws(() => startRamp({ ...closed(), mode: 'staged', percent: 30 }, plan, T0, 'ops'), { code: 'GK_ERR_CONFLICT', message: /below the staged 30 %/ })
  const running = written(startRamp(closed(), plan, T0, 'ops'))
  t.throws(() => startRamp(running, plan, T0, 'ops'), { code: 'GK_ERR_CONFLICT', message: /already running/ })
})

t.test('a ramp whose state was changed by hand is superseded, at once', async (t) => {
  const state = written(startRamp(closed(), plan, T0, 'ops'))
  const byHand: State = { ...state, mode: 'staged', percent: 40, version: state.version + 1, updatedBy: 'dba' }
  t.equal(rampDueAt(byHand), 0)
  const next = rampTransition(byHand, T0 + 1)
  t.equal(next?.action, 'ramp.supersede')
  t.equal(next?.next.percent, 40, 'the hand-made state is kept')
  t.equal(next?.next.ramp?.ended?.outcome, 'superseded')
  t.match(next?.next.ramp?.ended?.reason, /staged at 40 % by dba/)
})
