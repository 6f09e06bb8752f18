import t from 'tap'
import type { AuditEntry, State } from '../src/state/types.js'
import { publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { createManualClock } from './helpers/manual-clock.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { siteStateOf, startSitesHarness } from './helpers/sites.js'

t.test('a site\'s ramp is judged on its own upstream: its abort closes that site alone', async (t) => {
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['app1.test'], upstream: url },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ], {
    clock,
    extra: {
      initialMode: 'closed',
      staged: { keyHeader: 'x-client' },
      trustedProxies: ['127.0.0.1/32'],
      healthGate: { serverErrors: { maxShare: 0.2, minSamples: 10 } }
    }
  })
  const stateOf = (site: string): State => siteStateOf(h.gk, site)
  const steps = [{ percent: 50, hold: '10m' }, { percent: 100 }]
  const started1 = await h.admin('POST', '/v1/sites/app1/ramp', { steps }, { 'if-match': '"0"' })
  t.equal(started1.status, 200, 'a ramp on app1')
  t.match(await started1.json(), { mode: 'staged', percent: 50, ramp: { index: 0, startedBy: 'ops' } })
  t.equal((await h.admin('POST', '/v1/sites/app2/ramp', { steps })).status, 200, 'and one on app2')
  t.equal((await h.admin('POST', '/v1/sites/app9/ramp', { steps })).status, 404, 'an unknown site is refused')
  t.equal((await h.admin('POST', '/v1/ramp', { steps })).status, 400, 'the old route needs a site when there is no default')

  // app2's traffic is healthy; app1's upstream starts failing
  await sendUntilPassed(publicUrl(h, '/echo'), 'x-client', 20, { prefix: 'two', headers: { host: 'app2.test' } })
  await sendUntilPassed(publicUrl(h, '/echo'), 'x-client', 20, { prefix: 'one-ok', headers: { host: 'app1.test' } })
  await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 20, { prefix: 'one-bad', headers: { host: 'app1.test' } })
  clock.advance(1000)
  await waitUntil(() => stateOf('app1').mode === 'closed', 'app1\'s health gate to abort its ramp')
  const app1 = stateOf('app1')
  t.equal(app1.percent, 0)
  t.match(app1.ramp?.ended, { outcome: 'aborted', by: 'gatekeeper', reason: /^health gate: 5xx share/ })

  // app2 is untouched: still on its first step, its ramp running
  clock.advance(1000)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const app2 = stateOf('app2')
  t.equal(app2.mode, 'staged')
  t.equal(app2.percent, 50)
  t.equal(app2.ramp?.ended, undefined, 'app2\'s ramp still runs')
  t.equal(app2.version, 1, 'nothing was written to app2')

  const view1 = await (await h.admin('GET', '/v1/sites/app1/ramp')).json() as Record<string, unknown>
  t.match(view1, { running: false, mode: 'closed', ramp: { ended: { outcome: 'aborted' } } })
  const view2 = await (await h.admin('GET', '/v1/sites/app2/ramp')).json() as Record<string, unknown>
  t.match(view2, { running: true, mode: 'staged', step: { number: 1, of: 2 }, health: { local: { requests: 20, serverErrors: 0 } } })

  const audit = await (await h.admin('GET', '/v1/audit?site=app1&limit=5')).json() as AuditEntry[]
  t.match(audit.slice(0, 2), [
    { action: 'ramp.abort', actor: 'gatekeeper', site: 'app1' },
    { action: 'health.tripped', actor: 'gatekeeper', site: 'app1' }
  ], 'app1\'s audit says why')
  const audit2 = await (await h.admin('GET', '/v1/audit?site=app2&limit=5')).json() as AuditEntry[]
  t.notOk(audit2.some((e) => e.action === 'health.tripped' || e.action === 'ramp.abort'), 'app2\'s audit has no trip')

  // app2 goes on to its next step on its own clock
  clock.advance(10 * 60_000)
  await waitUntil(() => stateOf('app2').mode === 'open', 'app2\'s ramp to finish')
  t.equal(stateOf('app1').mode, 'closed', 'app1 stays closed')
})
