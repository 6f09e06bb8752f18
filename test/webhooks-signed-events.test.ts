import t from 'tap'
import type { GatekeeperEvent } from '../src/notify/events.js'
import { SIGNATURE_HEADER, verifySignature } from '../src/notify/signature.js'
import { TEST_ENV } from './helpers/harness.js'
import { startReopenHarness, waitUntil } from './helpers/reopen-harness.js'
import { startReceiver } from './helpers/webhook-receiver.js'

const SECRET = 'webhook-secret-for-tests-0123456789'

t.test('a receiver on loopback gets signed events for mode changes, ramp steps, aborts and schedules', async (t) => {
  const receiver = await startReceiver(t)
  const h = await startReopenHarness(t, {
    webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET' }] }
  }, { env: { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: SECRET } })

  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 10, hold: 60 }, { percent: 50, hold: 60 }, { percent: 100 }] })).status, 200)
  h.clock.advance(60_000)
  await h.waitForState((s) => s.percent === 50, 'the second step')
  t.equal((await h.admin('POST', '/v1/ramp/abort', { reason: 'errors on checkout' })).status, 200)
  t.equal((await h.admin('POST', '/v1/schedule', { closeAt: new Date(h.clock.now() + 3600_000).toISOString() })).status, 201)

  const expected = ['mode.changed', 'mode.changed', 'ramp.started', 'mode.changed', 'ramp.step', 'mode.changed', 'ramp.aborted', 'schedule.created']
  await waitUntil(() => receiver.received.length >= expected.length, 'every event')
  const now = Math.floor(Date.now() / 1000)
  for (const { headers, body } of receiver.received) {
    t.equal(headers['content-type'], 'application/json')
    t.ok(verifySignature(SECRET, headers[SIGNATURE_HEADER] as string, body, now), `${headers['x-gatekeeper-event'] as string} is signed`)
  }
  const events = receiver.received.map((r) => JSON.parse(r.body) as GatekeeperEvent)
  t.same(events.map((e) => e.event), expected, 'in the order the changes were made')
  t.match(events[0], { actor: 'ops', action: 'close', state: { mode: 'closed', reason: 'Upgrading' }, data: { from: { mode: 'open' }, to: { mode: 'closed' } } })
  t.match(events[4], { event: 'ramp.step', actor: 'gatekeeper', data: { index: 1, percent: 50, promoted: false } })
  t.match(events[6], { event: 'ramp.aborted', actor: 'ops', data: { reason: 'errors on checkout' } })
  t.equal(receiver.received[0]?.headers['x-gatekeeper-delivery'], events[0]?.id, 'the delivery id is the event id')

  const first = receiver.received[0]
  if (first === undefined) throw new Error('an event expected')
  const tampered = first.body.replace('"closed"', '"open"')
  t.notOk(verifySignature(SECRET, first.headers[SIGNATURE_HEADER] as string, tampered, now), 'a changed body fails verification')
  t.notOk(verifySignature('another-secret-0123456789', first.headers[SIGNATURE_HEADER] as string, first.body, now), 'so does another secret')
  t.notOk(verifySignature(SECRET, first.headers[SIGNATURE_HEADER] as string, first.body, now + 3600), 'and an old timestamp')
})

t.test('an endpoint gets only the events it asks for', async (t) => {
  const receiver = await startReceiver(t)
  const h = await startReopenHarness(t, {
    webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET', events: ['ramp.*'] }] }
  }, { env: { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: SECRET } })
  await h.admin('POST', '/v1/close')
  await h.admin('POST', '/v1/ramp', { steps: [{ percent: 10, hold: 60 }, { percent: 100 }] })
  await h.admin('POST', '/v1/ramp/promote')
  await waitUntil(() => receiver.received.length >= 3, 'the ramp events')
  t.same(receiver.received.map((r) => r.headers['x-gatekeeper-event']), ['ramp.started', 'ramp.step', 'ramp.completed'], 'no mode.changed')
})
