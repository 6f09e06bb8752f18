import t from 'tap'
import type { RampPlan } from '../src/reopen/plan.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { createSchedule, scheduleTransition, type ScheduleInput } from '../src/schedule/schedule.js'
import { initialState } from '../src/state/initial.js'
import type { AuditEntry, State } from '../src/state/types.js'
import { settle, waitUntil } from './helpers/reopen-harness.js'
import { startDependentPair } from './helpers/sites.js'

const T0 = Date.parse('2026-11-22T01:00:00Z')
const CLOSE = T0 + 3600_000
const OPEN = T0 + 2 * 3600_000
const iso = (ms: number): string => new Date(ms).toISOString()
const plan: RampPlan = { steps: [{ percent: 10, holdSeconds: 300 }, { percent: 100, holdSeconds: 0 }], abortOn: DEFAULT_THRESHOLDS }

/** A schedule in its window: closed by it, waiting for openAt. */
function inWindow (then: ScheduleInput['then'], extra: Partial<ScheduleInput> = {}): State {
  const created = createSchedule({ ...initialState('open', ''), version: 2 }, { closeAt: iso(CLOSE), openAt: iso(OPEN), reason: 'Upgrading', then, ...(then === 'ramp' ? { ramp: plan } : {}), ...extra }, T0, 'ops')
  const closing = scheduleTransition(created, CLOSE, [])
  return { ...(closing?.next as State), version: 3 }
}

function heldFor (then: ScheduleInput['then'], sites: string[]): State {
  const state = inWindow(then)
  return { ...state, schedule: { ...state.schedule as NonNullable<State['schedule']>, held: { reason: 'dependency-closed', sites, since: iso(OPEN) } } }
}

t.test('the decision at openAt, given the closed dependencies', async (t) => {
  const rows: Array<{ what: string, state: State, now: number, closed: string[], action: string | null, mode?: State['mode'], held?: string[] | null, forced?: string[] }> = [
    { what: 'then open, nothing closed: the site opens', state: inWindow('open'), now: OPEN, closed: [], action: 'schedule.open', mode: 'open' },
    { what: 'then open, a dependency closed: it holds, and says why', state: inWindow('open'), now: OPEN, closed: ['app2'], action: 'schedule.held', mode: 'closed', held: ['app2'] },
    { what: 'then ramp, a dependency closed: it holds', state: inWindow('ramp'), now: OPEN, closed: ['app2'], action: 'schedule.held', mode: 'closed', held: ['app2'] },
    { what: 'already held for the same sites: nothing to write', state: heldFor('open', ['app2']), now: OPEN + 5000, closed: ['app2'], action: null },
    { what: 'held, another dependency closes: brought up to date', state: heldFor('open', ['app2']), now: OPEN + 5000, closed: ['app3', 'app2'], action: 'schedule.held', held: ['app2', 'app3'] },
    { what: 'held, the dependency opens: the site opens and the schedule is done', state: heldFor('open', ['app2']), now: OPEN + 5000, closed: [], action: 'schedule.open', mode: 'open' },
    { what: 'held ramp, the dependency opens: the ramp starts', state: heldFor('ramp', ['app2']), now: OPEN + 5000, closed: [], action: 'schedule.open', mode: 'staged' },
    { what: 'then hold opens nothing: it never waits on a dependency', state: inWindow('hold'), now: OPEN, closed: ['app2'], action: 'schedule.open', mode: 'closed' },
    { what: 'a forced schedule opens past a closed dependency, audited as forced', state: inWindow('open', { force: true }), now: OPEN, closed: ['app2'], action: 'schedule.open', mode: 'open', forced: ['app2'] },
    { what: 'not due yet', state: inWindow('open'), now: OPEN - 1, closed: ['app2'], action: null }
  ]
  for (const row of rows) {
    const found = scheduleTransition(row.state, row.now, row.closed)
    t.equal(found?.action ?? null, row.action, row.what)
    if (found === null || found === undefined) continue
    if (row.mode !== undefined) t.equal(found.next.mode, row.mode, `${row.what}: the mode`)
    if (row.held !== undefined) t.same(found.next.schedule?.held?.sites ?? null, row.held, `${row.what}: the hold`)
    t.same(found.forced, row.forced, `${row.what}: forced`)
  }
  // a forced schedule's ramp is forced too: its steps do not hold either
  const ramped = scheduleTransition(inWindow('ramp', { force: true }), OPEN, ['app2'])
  t.equal(ramped?.next.ramp?.force, true, 'the ramp a forced schedule starts is forced')
  // the closing never waits on anything
  const pending = createSchedule({ ...initialState('open', ''), version: 2 }, { closeAt: iso(CLOSE), openAt: iso(OPEN), reason: '', then: 'open' }, T0, 'ops')
  t.equal(scheduleTransition(pending, CLOSE, ['app2'])?.action, 'schedule.close')
})

t.test('over sockets: a scheduled opening of default holds while app2 is closed, then opens when app2 does', async (t) => {
  const { h, clock, state } = await startDependentPair(t, 'open')
  const audit = async (): Promise<AuditEntry[]> => await (await h.admin('GET', '/v1/audit?site=default&limit=20')).json() as AuditEntry[]
  t.equal((await h.admin('POST', '/v1/sites/app2/close', { reason: 'database migration' })).status, 200)
  const at = (ms: number): string => new Date(clock.now() + ms).toISOString()
  t.equal((await h.admin('POST', '/v1/schedule', { closeAt: at(60_000), openAt: at(120_000), reason: 'Upgrading', then: 'open' })).status, 201)

  clock.advance(60_000)
  await waitUntil(() => state().mode === 'closed', 'the scheduled close')
  clock.advance(60_000)
  await waitUntil(() => state().schedule?.held !== undefined, 'the scheduled opening to hold')
  t.equal(state().mode, 'closed', 'default stays closed')
  const shown = await (await h.admin('GET', '/v1/schedule')).json() as NonNullable<State['schedule']>
  t.match(shown.held, { reason: 'dependency-closed', sites: ['app2'] }, 'GET /v1/schedule says why')
  t.match((await (await h.admin('GET', '/v1/state')).json() as State).schedule?.held, { sites: ['app2'] }, 'and GET /v1/state')
  for (let i = 0; i < 5; i++) {
    clock.advance(1000)
    await settle()
  }
  t.equal(state().mode, 'closed')
  t.equal((await audit()).filter((entry) => entry.action === 'schedule.held').length, 1, 'audited once, as schedule.held')

  t.equal((await h.admin('POST', '/v1/sites/app2/open')).status, 200)
  await waitUntil(() => state().mode === 'open', 'the held opening')
  t.equal(state().schedule, undefined, 'the schedule is done')
  t.match((await audit())[0], { action: 'schedule.open', actor: 'gatekeeper' })
})

t.test('over sockets: a schedule created with force opens past a closed dependency, audited as forced', async (t) => {
  const { h, clock, state } = await startDependentPair(t, 'open')
  t.equal((await h.admin('POST', '/v1/sites/app2/close', { reason: 'database migration' })).status, 200)
  const at = (ms: number): string => new Date(clock.now() + ms).toISOString()
  const created = await h.admin('POST', '/v1/schedule', { closeAt: at(60_000), openAt: at(120_000), then: 'open', force: true })
  t.equal(created.status, 201)
  t.match(await created.json(), { schedule: { force: true } })
  clock.advance(60_000)
  await waitUntil(() => state().mode === 'closed', 'the scheduled close')
  clock.advance(60_000)
  await waitUntil(() => state().mode === 'open', 'the forced opening')
  const audit = await (await h.admin('GET', '/v1/audit?site=default&limit=20')).json() as AuditEntry[]
  t.match(audit[0], { action: 'schedule.open', forced: ['app2'] }, 'the opening is audited as forced')
  t.equal(audit.filter((entry) => entry.action === 'schedule.held').length, 0, 'never held')
})
