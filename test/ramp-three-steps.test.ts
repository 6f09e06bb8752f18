import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { get, publicUrl } from './helpers/harness.js'
import { settle, startReopenHarness } from './helpers/reopen-harness.js'

t.test('a ramp moves through three steps on its own clock, shown in the state, and opens', async (t) => {
  const h = await startReopenHarness(t, { initialMode: 'closed' })
  const started = h.clock.now()
  const res = await h.admin('POST', '/v1/ramp', { steps: [{ percent: 10, hold: '1m' }, { percent: 40, hold: 120 }, { percent: 100 }] })
  t.equal(res.status, 200)
  const body = await res.json() as Record<string, unknown>
  t.equal(body.mode, 'staged')
  t.equal(body.percent, 10)
  t.match(body.ramp, { index: 0, paused: false, startedBy: 'ops', nextAt: new Date(started + 60_000).toISOString() })

  const view = await (await h.admin('GET', '/v1/ramp')).json() as Record<string, unknown>
  t.match(view, { running: true, step: { number: 1, of: 3, percent: 10 }, secondsToNextStep: 60 })

  h.clock.advance(59_000)
  await settle()
  t.equal(h.state().percent, 10, 'the hold is not over a second early')

  h.clock.advance(1000)
  const second = await h.waitForState((s) => s.percent === 40, 'the second step')
  t.equal(second.mode, 'staged')
  t.equal(second.ramp?.index, 1)
  t.equal(second.ramp?.nextAt, new Date(started + 180_000).toISOString(), 'the next begins after the second hold')
  t.equal(second.updatedBy, 'gatekeeper')

  const shown = await (await h.admin('GET', '/v1/state')).json() as Record<string, unknown>
  t.match(shown.ramp, { index: 1, nextAt: second.ramp?.nextAt }, 'the admin API shows the step and when the next begins')

  h.clock.advance(120_000)
  const opened = await h.waitForState((s) => s.mode === 'open', 'the last step')
  t.equal(opened.percent, 100)
  t.match(opened.ramp?.ended, { outcome: 'completed', by: 'gatekeeper' })
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.9' })).status, 200, 'the public is in')

  const audit = await (await h.admin('GET', '/v1/audit?limit=10')).json() as AuditEntry[]
  t.same(audit.filter((e) => e.action.startsWith('ramp.')).map((e) => [e.action, e.actor]).reverse(),
    [['ramp.start', 'ops'], ['ramp.step', 'gatekeeper'], ['ramp.step', 'gatekeeper']], 'each step is in the audit, once')
})
