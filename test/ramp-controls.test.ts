import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { settle, startReopenHarness } from './helpers/reopen-harness.js'

const STEPS = [{ percent: 5, hold: '5m' }, { percent: 25, hold: '10m' }, { percent: 100 }]

t.test('pause, resume, promote and abort steer a running ramp', async (t) => {
  const h = await startReopenHarness(t, { initialMode: 'closed' })
  t.equal((await h.admin('POST', '/v1/ramp', { steps: STEPS })).status, 200)

  h.clock.advance(60_000)
  const paused = await h.admin('POST', '/v1/ramp/pause', { reason: 'checking the logs' })
  t.equal(paused.status, 200)
  t.match(h.state().ramp, { paused: true, remainingMs: 240_000, pausedBy: 'ops', pauseReason: 'checking the logs' })
  t.equal(h.state().ramp?.nextAt, undefined)

  h.clock.advance(3_600_000)
  await settle()
  t.equal(h.state().percent, 5, 'a paused ramp does not move, however long it waits')

  t.equal((await h.admin('POST', '/v1/ramp/resume')).status, 200)
  t.equal(h.state().ramp?.nextAt, new Date(h.clock.now() + 240_000).toISOString(), 'the rest of the hold starts again')
  h.clock.advance(240_000)
  await h.waitForState((s) => s.percent === 25, 'the step after the resumed hold')

  const promoted = await h.admin('POST', '/v1/ramp/promote')
  t.equal(promoted.status, 200)
  t.equal(h.state().mode, 'open', 'promoting past 25 % reaches the last step: 100 % opens')
  t.match(h.state().ramp?.ended, { outcome: 'completed' })

  t.equal((await h.admin('POST', '/v1/close', { reason: 'Second try' })).status, 200)
  t.equal((await h.admin('POST', '/v1/ramp', { steps: STEPS })).status, 200)
  const full = await h.admin('POST', '/v1/ramp/promote', { full: true })
  t.equal(full.status, 200)
  t.equal(h.state().mode, 'open', 'promote --full opens at once')
  t.match(h.state().ramp?.ended, { outcome: 'completed', reason: 'promoted to 100 % by ops' })

  t.equal((await h.admin('POST', '/v1/close')).status, 200)
  t.equal((await h.admin('POST', '/v1/ramp', { steps: STEPS })).status, 200)
  const aborted = await h.admin('POST', '/v1/ramp/abort', { reason: 'checkout returns 500' })
  t.equal(aborted.status, 200)
  t.equal(h.state().mode, 'closed')
  t.match(h.state().ramp?.ended, { outcome: 'aborted', reason: 'checkout returns 500', by: 'ops' })
  const audit = await (await h.admin('GET', '/v1/audit?limit=1')).json() as AuditEntry[]
  t.match(audit[0], { action: 'ramp.abort', actor: 'ops', after: { mode: 'closed', ramp: { ended: { reason: 'checkout returns 500' } } } }, 'the audit says why')
})

t.test('steering calls that make no sense now are refused and change nothing', async (t) => {
  const h = await startReopenHarness(t, { initialMode: 'closed' })
  const before = h.stateBytes()
  for (const call of ['pause', 'resume', 'promote', 'abort']) {
    const res = await h.admin('POST', `/v1/ramp/${call}`)
    t.equal(res.status, 409, `${call} without a ramp`)
    t.match(await res.json(), { code: 'GK_ERR_CONFLICT', message: /no ramp is running/ })
  }
  t.equal((await h.admin('POST', '/v1/ramp', { steps: STEPS })).status, 200)
  const running = h.stateBytes()
  const again = await h.admin('POST', '/v1/ramp', { steps: STEPS })
  t.equal(again.status, 409)
  t.match(await again.json(), { message: /already running/ })
  t.equal((await h.admin('POST', '/v1/ramp/resume')).status, 409, 'resume of a ramp that is not paused')
  t.ok(h.stateBytes().equals(running), 'the refused calls left the state file as it was')
  t.not(before.length, 0)
})

t.test('a ramp of an open site is refused', async (t) => {
  const h = await startReopenHarness(t)
  const before = h.stateBytes()
  const res = await h.admin('POST', '/v1/ramp', { steps: STEPS })
  t.equal(res.status, 409)
  t.match(await res.json(), { message: /the site is open/ })
  t.ok(h.stateBytes().equals(before))
})
