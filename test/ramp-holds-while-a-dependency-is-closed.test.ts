import t from 'tap'
import type { RampPlan } from '../src/reopen/plan.js'
import { rampTransition, startRamp } from '../src/reopen/ramp.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { initialState } from '../src/state/initial.js'
import type { AuditEntry, State } from '../src/state/types.js'
import { settle, waitUntil } from './helpers/reopen-harness.js'
import { startDependentPair } from './helpers/sites.js'

const T0 = Date.parse('2026-11-22T02:00:00Z')
const plan: RampPlan = {
  steps: [{ percent: 10, holdSeconds: 60 }, { percent: 40, holdSeconds: 60 }, { percent: 100, holdSeconds: 0 }],
  abortOn: DEFAULT_THRESHOLDS
}
const DUE = T0 + 60_000

function ramping (force = false): State {
  return { ...startRamp({ ...initialState('closed', 'Upgrading'), version: 3 }, plan, T0, 'ops', force), version: 4, updatedBy: 'ops' }
}

function held (sites: string[]): State {
  const state = ramping()
  return { ...state, version: 5, ramp: { ...state.ramp as NonNullable<State['ramp']>, held: { reason: 'dependency-closed', sites, since: new Date(DUE).toISOString() } } }
}

t.test('the decision of a due step, given the closed dependencies', async (t) => {
  const rows: Array<{ what: string, state: State, now: number, closed: string[], action: string | null, percent?: number, held?: string[] | null, forced?: string[] }> = [
    { what: 'no dependency closed: the step is taken', state: ramping(), now: DUE, closed: [], action: 'ramp.step', percent: 40, held: null },
    { what: 'a dependency closed: the ramp holds, and says why', state: ramping(), now: DUE, closed: ['app2'], action: 'ramp.held', percent: 10, held: ['app2'] },
    { what: 'already held for the same sites: nothing to write', state: held(['app2']), now: DUE + 5000, closed: ['app2'], action: null },
    { what: 'held, and another dependency closes: the reason is brought up to date', state: held(['app2']), now: DUE + 5000, closed: ['app2', 'app3'], action: 'ramp.held', percent: 10, held: ['app2', 'app3'] },
    { what: 'held, and the dependency leaves closed: the step is taken and the hold is gone', state: held(['app2']), now: DUE + 5000, closed: [], action: 'ramp.step', percent: 40, held: null },
    { what: 'a forced ramp does not hold: the step is taken, forced past the closed site', state: ramping(true), now: DUE, closed: ['app2'], action: 'ramp.step', percent: 40, held: null, forced: ['app2'] },
    { what: 'not due yet: nothing, closed dependency or not', state: ramping(), now: DUE - 1, closed: ['app2'], action: null }
  ]
  for (const row of rows) {
    const found = rampTransition(row.state, row.now, row.closed)
    t.equal(found?.action ?? null, row.action, row.what)
    if (found === null || found === undefined) continue
    if (row.percent !== undefined) t.equal(found.next.percent, row.percent, `${row.what}: the share`)
    if (row.held !== undefined) t.same(found.next.ramp?.held?.sites ?? null, row.held, `${row.what}: the hold`)
    if (row.held !== undefined && row.held !== null) t.equal(found.next.ramp?.held?.reason, 'dependency-closed')
    t.same(found.forced, row.forced, `${row.what}: forced`)
  }

  // the last step of a ramp that ends below 100 % opens nothing more: it completes, closed dependency or not
  const lastStaged = startRamp({ ...initialState('closed', ''), version: 1 }, { steps: [{ percent: 30, holdSeconds: 60 }], abortOn: DEFAULT_THRESHOLDS }, T0, 'ops')
  t.equal(rampTransition(lastStaged, DUE, ['app2'])?.action, 'ramp.complete', 'a last step held to its end completes')
  // someone else changed the mode: the ramp is superseded whatever the dependencies say
  t.equal(rampTransition({ ...ramping(), mode: 'closed', percent: 0 }, DUE, ['app2'])?.action, 'ramp.supersede')
})

t.test('over sockets: a ramp step of default holds while app2 is closed, and proceeds once app2 opens', async (t) => {
  const { h, clock, state } = await startDependentPair(t, 'closed')
  const steps = [{ percent: 10, hold: '1m' }, { percent: 40, hold: '1m' }, { percent: 100 }]

  const refused = await h.admin('POST', '/v1/ramp', { steps })
  t.equal(refused.status, 409, 'starting a ramp stages the site: refused while app2 is closed')
  t.match(await refused.json(), { code: 'GK_ERR_DEPENDENCY_CLOSED', message: /app2/ })
  t.equal(state().mode, 'closed', 'and nothing changed')

  t.equal((await h.admin('POST', '/v1/sites/app2/open')).status, 200)
  t.equal((await h.admin('POST', '/v1/ramp', { steps })).status, 200)
  t.equal(state().percent, 10)
  t.equal((await h.admin('POST', '/v1/sites/app2/close', { reason: 'database migration' })).status, 200)

  clock.advance(60_000)
  await waitUntil(() => state().ramp?.held !== undefined, 'the ramp to hold')
  t.equal(state().percent, 10, 'the step is not taken')
  t.equal(state().mode, 'staged')
  const shown = await (await h.admin('GET', '/v1/state')).json() as State
  t.match(shown.ramp?.held, { reason: 'dependency-closed', sites: ['app2'] }, 'GET /v1/state says why')
  const view = await (await h.admin('GET', '/v1/ramp')).json() as { ramp: State['ramp'], held: unknown }
  t.match(view.held, { reason: 'dependency-closed', sites: ['app2'] }, 'GET /v1/ramp says why')

  // the driver looks again and again: the hold is written (and audited) once
  for (let i = 0; i < 5; i++) {
    clock.advance(1000)
    await settle()
  }
  t.equal(state().percent, 10, 'still held')
  const audit = await (await h.admin('GET', '/v1/audit?site=default&limit=20')).json() as AuditEntry[]
  t.equal(audit.filter((entry) => entry.action === 'ramp.held').length, 1, 'audited once, as ramp.held')
  const promote = await h.admin('POST', '/v1/ramp/promote', {})
  t.equal(promote.status, 409, 'promoting by hand is checked as a stage is')
  t.match(await promote.json(), { code: 'GK_ERR_DEPENDENCY_CLOSED' })

  // app2 opens: the held step is taken at once, without waiting for another tick
  t.equal((await h.admin('POST', '/v1/sites/app2/open')).status, 200)
  await waitUntil(() => state().percent === 40, 'the held step')
  t.equal(state().ramp?.held, undefined, 'the hold is gone')
  t.equal(state().ramp?.index, 1)
})

t.test('over sockets: a ramp started with force does not hold, and its steps are audited as forced', async (t) => {
  const { h, clock, state } = await startDependentPair(t, 'closed')

  const started = await h.admin('POST', '/v1/ramp', { steps: [{ percent: 10, hold: '1m' }, { percent: 40, hold: '1m' }, { percent: 100 }], force: true })
  t.equal(started.status, 200)
  t.match(await started.json(), { mode: 'staged', percent: 10, warnings: ['default depends on app2, which is closed (forced)'] })
  const audit = async (): Promise<AuditEntry[]> => await (await h.admin('GET', '/v1/audit?site=default&limit=20')).json() as AuditEntry[]
  t.match((await audit())[0], { action: 'ramp.start', forced: ['app2'] }, 'the start is audited as forced')

  const promoted = await h.admin('POST', '/v1/ramp/promote', {})
  t.equal(promoted.status, 200, 'a forced ramp is promoted without force again')
  t.match((await audit())[0], { action: 'ramp.promote', forced: ['app2'] }, 'and the promotion is audited as forced')
  t.equal(state().percent, 40)

  clock.advance(60_000)
  await waitUntil(() => state().mode === 'open', 'the forced ramp to open the site')
  t.equal(state().ramp?.held, undefined)
  t.match((await audit())[0], { action: 'ramp.step', actor: 'gatekeeper', forced: ['app2'] }, 'the step past the closed site is audited as forced')
  t.equal((await audit()).filter((entry) => entry.action === 'ramp.held').length, 0, 'never held')
})
