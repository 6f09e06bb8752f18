import t from 'tap'
import type { GatekeeperEvent } from '../src/notify/events.js'
import { TEST_ENV, get, publicUrl } from './helpers/harness.js'
import { settle, startReopenHarness, waitUntil } from './helpers/reopen-harness.js'
import { startReceiver } from './helpers/webhook-receiver.js'

t.test('window.ended carries the window\'s summary once the site is fully open again, and only then', async (t) => {
  const receiver = await startReceiver(t)
  const h = await startReopenHarness(t, {
    initialMode: 'open',
    webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET', events: ['window.*'] }] }
  }, { env: { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789' } })

  const eta = new Date(Date.now() + 3_600_000).toISOString()
  t.equal((await h.admin('POST', '/v1/close', { reason: 'upgrade', until: eta })).status, 200)
  for (let i = 0; i < 3; i++) t.equal((await get(publicUrl(h, '/'), { from: `127.0.6.${1 + i}` })).status, 503)
  t.equal((await h.admin('POST', '/v1/stage', { percent: 50 })).status, 200)
  await settle()
  t.equal(receiver.received.length, 0, 'a staged site is not fully open: no window.ended yet')
  t.equal((await h.admin('POST', '/v1/open', {})).status, 200)

  await waitUntil(() => receiver.received.length >= 1, 'window.ended')
  const event = JSON.parse(receiver.received[0]?.body ?? '{}') as GatekeeperEvent
  t.match(event, { event: 'window.ended', actor: 'ops', action: 'open', state: { mode: 'open' } })
  t.match(event.data, {
    totals: { plannedEta: eta, reopenedAt: String, lateByMs: Number, experience: { publicTurnedAway: 3, publicClients: 3 } },
    markdown: /closed by ops: "upgrade"[\s\S]*staged at 50 %[\s\S]*opened by ops[\s\S]*## Totals/
  })
  t.same((event.data.phases as Array<{ mode: string }>).map((p) => p.mode), ['closed', 'staged', 'open'])
  t.ok((event.data.totals as { lateByMs: number }).lateByMs < 0, 'reopened before the ETA: early')

  t.equal((await h.admin('POST', '/v1/open', {})).status, 200)
  await settle()
  t.equal(receiver.received.length, 1, 'opening an open site ends no window')
})
