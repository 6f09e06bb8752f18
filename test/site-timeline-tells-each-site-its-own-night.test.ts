import t from 'tap'
import type { GatekeeperEvent } from '../src/notify/events.js'
import type { Timeline } from '../src/timeline/phases.js'
import { cliFor } from './helpers/cli.js'
import { get, TEST_ENV, VIEWER_TOKEN, adminClient } from './helpers/harness.js'
import { createManualClock } from './helpers/manual-clock.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { startSitesHarness } from './helpers/sites.js'
import { startReceiver } from './helpers/webhook-receiver.js'

t.test('with sites:, each site tells its own night: its changes, what its public met, and its own window.ended', async (t) => {
  const receiver = await startReceiver(t)
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['app1.test'], upstream: url },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ], {
    clock,
    env: { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789' },
    extra: { webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET', events: ['window.*'] }] } }
  })
  const viewer = adminClient(h.gk.adminUrl, VIEWER_TOKEN)
  const status = async (host: string, from: string): Promise<number> => (await get(h.gk.publicUrl + '/', { from, headers: { host } })).status

  t.equal((await h.admin('POST', '/v1/sites/app1/close', { reason: 'app1 upgrade' })).status, 200)
  for (let i = 0; i < 3; i++) t.equal(await status('app1.test', `127.0.7.${1 + i}`), 503, 'app1\'s public meets the page')
  for (let i = 0; i < 2; i++) t.equal(await status('app2.test', '127.0.8.1'), 200, 'app2\'s public passes')
  t.equal((await h.admin('POST', '/v1/sites/app1/open', {})).status, 200)
  // the counts of the minute are flushed by the clock
  clock.advance(120_000)

  const one = await viewer('GET', '/v1/sites/app1/timeline?tz=UTC')
  t.equal(one.status, 200, 'a viewer reads a site\'s timeline')
  const app1 = await one.json() as Timeline
  t.same(app1.phases.map((p) => p.mode), ['closed', 'open'], 'app1\'s own changes')
  t.match(app1.phases[0], { events: [{ who: 'ops', reason: 'app1 upgrade', what: 'closed' }] })
  t.match(app1.totals.experience, { publicTurnedAway: 3, publicClients: 3, publicLetThrough: 0 }, 'what app1\'s public met, and none of app2\'s')

  const app2 = await (await viewer('GET', '/v1/sites/app2/timeline?tz=UTC')).json() as Timeline
  t.notOk(app2.phases.some((p) => p.mode === 'closed'), 'app2 was never closed')
  t.match(app2.totals.experience, { publicTurnedAway: 0, publicLetThrough: 2 }, 'app2 counts its own public')

  t.equal((await viewer('GET', '/v1/sites/app9/timeline')).status, 404, 'an unknown site is a 404')
  const old = await viewer('GET', '/v1/timeline')
  t.equal(old.status, 400, 'with no site named default, the old route names the sites')
  t.match(await old.json(), { code: 'GK_ERR_SITE_REQUIRED', message: /app1, app2/ })

  await waitUntil(() => receiver.received.length >= 1, 'window.ended')
  const event = JSON.parse(receiver.received[0]?.body ?? '{}') as GatekeeperEvent
  t.match(event, { event: 'window.ended', site: 'app1', state: { mode: 'open' } }, 'app1\'s window ended, and says so')
  t.match(event.data, { markdown: /closed by ops: "app1 upgrade"[\s\S]*opened by ops/ })

  const { run } = cliFor(t, h)
  const told = await run(['timeline', '--site', 'app1', '--tz', 'UTC'])
  t.equal(told.code, 0, told.stderr)
  t.match(told.stdout, /closed by ops: "app1 upgrade"/, 'the CLI tells the site\'s story')
})
