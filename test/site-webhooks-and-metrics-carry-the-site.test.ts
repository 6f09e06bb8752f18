import t from 'tap'
import type { GatekeeperEvent } from '../src/notify/events.js'
import { get, TEST_ENV } from './helpers/harness.js'
import { createManualClock } from './helpers/manual-clock.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { startSitesHarness } from './helpers/sites.js'
import { startReceiver } from './helpers/webhook-receiver.js'

const SECRET = 'webhook-secret-for-tests-0123456789'

function value (text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  if (line === undefined) throw new Error(`no sample ${series}`)
  return Number(line.slice(series.length + 1))
}

t.test('with sites:, each webhook event names its site, and the gate\'s metrics carry a site label', async (t) => {
  const receiver = await startReceiver(t)
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['main.test'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: url }
  ], {
    clock,
    extra: { webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET' }] } },
    env: { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: SECRET }
  })

  t.equal((await h.admin('POST', '/v1/sites/app1/close', { reason: 'app1 upgrade' })).status, 200)
  t.equal((await h.admin('POST', '/v1/sites/app1/ramp', { steps: [{ percent: 10, hold: 60 }, { percent: 100 }] })).status, 200)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'default too' })).status, 200)
  await waitUntil(() => receiver.received.length >= 4, 'the events')
  const events = receiver.received.map((r) => JSON.parse(r.body) as GatekeeperEvent)
  t.same(events.map((e) => [e.event, e.site]), [
    ['mode.changed', 'app1'], ['mode.changed', 'app1'], ['ramp.started', 'app1'], ['mode.changed', 'default']
  ], 'each event names its site')
  t.match(events[0], { state: { mode: 'closed', reason: 'app1 upgrade' }, version: 1 })

  // the ramp's own step, written by the driver, names the site too
  clock.advance(60_000)
  await waitUntil(() => receiver.received.length >= 7, 'the step\'s events')
  const later = receiver.received.slice(4).map((r) => JSON.parse(r.body) as GatekeeperEvent)
  t.same(later.map((e) => [e.event, e.site]), [['mode.changed', 'app1'], ['ramp.step', 'app1'], ['ramp.completed', 'app1']])

  for (let i = 0; i < 3; i++) t.equal((await get(h.gk.publicUrl + '/echo', { headers: { host: 'app1.test' } })).status, 200)
  t.equal((await get(h.gk.publicUrl + '/echo', { headers: { host: 'main.test' } })).status, 503, 'default is closed')
  const text = await (await h.admin('GET', '/metrics')).text()
  t.equal(value(text, 'gatekeeper_mode{site="default",mode="closed"}'), 1)
  t.equal(value(text, 'gatekeeper_mode{site="app1",mode="open"}'), 1)
  t.equal(value(text, 'gatekeeper_mode{site="app1",mode="closed"}'), 0)
  t.equal(value(text, 'gatekeeper_percent{site="app1"}'), 100)
  t.equal(value(text, 'gatekeeper_percent{site="default"}'), 0)
  t.equal(value(text, 'gatekeeper_state_version{site="app1"}'), 3)
  t.equal(value(text, 'gatekeeper_upstream_responses_total{site="app1",class="2xx"}'), 3, 'app1\'s upstream answers are its own')
  t.equal(value(text, 'gatekeeper_upstream_responses_total{site="default",class="2xx"}'), 0)
  t.equal(value(text, 'gatekeeper_upstream_latency_seconds_count{site="app1"}'), 3, 'app1\'s upstream latency is its own')
  t.equal(value(text, 'gatekeeper_upstream_latency_seconds_bucket{site="app1",le="+Inf"}'), 3)
  t.equal(value(text, 'gatekeeper_upstream_latency_seconds_count{site="default"}'), 0)
  t.equal(value(text, 'gatekeeper_health_gate_trips_total{site="app1"}'), 0)
  t.equal(value(text, 'gatekeeper_requests_total{site="app1",decision="pass",reason="open"}'), 3, 'each site counts its own decisions')
  t.equal(value(text, 'gatekeeper_requests_total{site="default",decision="hold",reason="closed"}'), 1)
  t.equal(value(text, 'gatekeeper_requests_total{site="default",decision="pass",reason="open"}'), 0)
  t.notMatch(text, /^gatekeeper_mode\{mode=/m, 'no sample without its site')
})
