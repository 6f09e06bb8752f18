import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { get, publicUrl } from './helpers/harness.js'
import { settle, startReopenHarness } from './helpers/reopen-harness.js'

function iso (ms: number): string {
  return new Date(ms).toISOString()
}

t.test('a schedule closes the site at closeAt, tells the ETA from openAt, and holds closed at openAt', async (t) => {
  const h = await startReopenHarness(t)
  const t0 = h.clock.now()
  const closeAt = iso(t0 + 60_000)
  const openAt = iso(t0 + 4 * 3600_000)
  // the same instants, written in another zone
  const res = await h.admin('POST', '/v1/schedule', {
    closeAt: closeAt.replace('Z', '+00:00'),
    openAt: new Date(t0 + 4 * 3600_000 + 3600_000).toISOString().replace('Z', '+01:00'),
    reason: 'Upgrading to 23.1'
  })
  t.equal(res.status, 201)
  t.match(await res.json(), { mode: 'open', schedule: { closeAt, openAt, then: 'hold', phase: 'pending', createdBy: 'ops' } })
  t.equal((await get(publicUrl(h, '/echo'))).status, 200, 'nothing changes before closeAt')

  h.clock.advance(59_000)
  await settle()
  t.equal(h.state().mode, 'open')
  h.clock.advance(1000)
  const closed = await h.waitForState((s) => s.mode === 'closed', 'closeAt')
  t.equal(closed.reason, 'Upgrading to 23.1')
  t.equal(closed.window.end, openAt, 'the expected end is openAt')
  t.equal(closed.schedule?.phase, 'closed')

  const held = await get(publicUrl(h, '/echo'), { headers: { accept: 'application/json' } })
  t.equal(held.status, 503)
  t.equal(JSON.parse(held.body).eta, openAt, 'the public is told when to come back')
  t.ok(Number(held.headers['retry-after']) > 3 * 3600, 'Retry-After follows openAt')
  const status = await (await fetch(publicUrl(h, '/__gatekeeper/status'))).json() as Record<string, unknown>
  t.equal(status.eta, openAt, 'the page\'s countdown reads the same ETA')

  // running late: one call moves openAt and the ETA with it
  const extended = await h.admin('POST', '/v1/schedule/extend', { by: '90m' })
  t.equal(extended.status, 200)
  const later = iso(Date.parse(openAt) + 90 * 60_000)
  t.equal(h.state().schedule?.openAt, later)
  t.equal(h.state().window.end, later)
  t.equal(JSON.parse((await get(publicUrl(h, '/echo'), { headers: { accept: 'application/json' } })).body).eta, later)

  h.clock.advance(Date.parse(later) - h.clock.now())
  const done = await h.waitForState((s) => s.schedule === undefined, 'openAt')
  t.equal(done.mode, 'closed', 'then: hold — no clock declares the upgrade done')
  t.equal(done.window.end, undefined, 'the passed ETA is no longer shown')
  t.equal((await get(publicUrl(h, '/echo'))).status, 503)

  const audit = await (await h.admin('GET', '/v1/audit?limit=10')).json() as AuditEntry[]
  t.same(audit.filter((e) => e.action.startsWith('schedule.')).map((e) => [e.action, e.actor]).reverse(), [
    ['schedule.create', 'ops'], ['schedule.close', 'gatekeeper'], ['schedule.extend', 'ops'], ['schedule.open', 'gatekeeper']
  ])
})

t.test('at openAt a schedule opens, or starts its ramp', async (t) => {
  const h = await startReopenHarness(t)
  const t0 = h.clock.now()
  t.equal((await h.admin('POST', '/v1/schedule', { closeAt: iso(t0 + 1000), openAt: iso(t0 + 61_000), then: 'open' })).status, 201)
  h.clock.advance(1000)
  await h.waitForState((s) => s.mode === 'closed', 'closeAt')
  h.clock.advance(60_000)
  const opened = await h.waitForState((s) => s.mode === 'open', 'openAt')
  t.equal(opened.schedule, undefined)

  const t1 = h.clock.now()
  t.equal((await h.admin('POST', '/v1/schedule', {
    closeAt: iso(t1 + 1000), openAt: iso(t1 + 61_000), then: 'ramp', ramp: { steps: [{ percent: 20, hold: '5m' }, { percent: 100 }] }
  })).status, 201)
  h.clock.advance(1000)
  await h.waitForState((s) => s.mode === 'closed', 'closeAt')
  h.clock.advance(60_000)
  const ramping = await h.waitForState((s) => s.mode === 'staged', 'the ramp')
  t.equal(ramping.percent, 20)
  t.match(ramping.ramp, { startedBy: 'schedule', index: 0 })
  h.clock.advance(300_000)
  await h.waitForState((s) => s.mode === 'open', 'the ramp\'s last step')
})

t.test('a cancelled schedule does nothing at its times', async (t) => {
  const h = await startReopenHarness(t)
  const t0 = h.clock.now()
  t.equal((await h.admin('POST', '/v1/schedule', { closeAt: iso(t0 + 1000) })).status, 201)
  t.equal((await h.admin('DELETE', '/v1/schedule')).status, 200)
  t.equal((await h.admin('GET', '/v1/schedule')).status, 404)
  h.clock.advance(5000)
  await settle()
  t.equal(h.state().mode, 'open')
  t.equal((await h.admin('DELETE', '/v1/schedule')).status, 404)
})
