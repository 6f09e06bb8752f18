import t from 'tap'
import type { GatekeeperEvent } from '../src/notify/events.js'
import { dependentsOf } from '../src/sites/dependencies.js'
import type { AuditEntry, SiteFlag, State } from '../src/state/types.js'
import { TEST_ENV, publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { createManualClock } from './helpers/manual-clock.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { startSitesHarness } from './helpers/sites.js'
import { startReceiver } from './helpers/webhook-receiver.js'

interface SiteRow { name: string, mode: string, flags?: SiteFlag[] }

t.test('the dependents of a site: direct first, then through others, each once', async (t) => {
  const sites = [
    { name: 'default', dependsOn: [] },
    { name: 'app1', dependsOn: ['default'] },
    { name: 'app2', dependsOn: ['app1', 'default'] },
    { name: 'app3', dependsOn: ['app2'] },
    { name: 'app4', dependsOn: [] }
  ]
  t.same(dependentsOf(sites, 'default'), [{ name: 'app1', via: [] }, { name: 'app2', via: [] }, { name: 'app3', via: ['app2'] }])
  t.same(dependentsOf(sites, 'app1'), [{ name: 'app2', via: [] }, { name: 'app3', via: ['app2'] }])
  t.same(dependentsOf(sites, 'app4'), [])
})

t.test('a health-gate abort of default flags the sites that depend on it, and changes none of their modes', async (t) => {
  const receiver = await startReceiver(t)
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['127.0.0.1'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: url, dependsOn: ['default'] },
    { name: 'app3', hosts: ['app3.test'], upstream: url, dependsOn: ['app1'] },
    { name: 'app4', hosts: ['app4.test'], upstream: url }
  ], {
    clock,
    env: { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789' },
    extra: {
      initialMode: 'closed',
      staged: { keyHeader: 'x-client' },
      trustedProxies: ['127.0.0.1/32'],
      healthGate: { serverErrors: { maxShare: 0.2, minSamples: 10 } },
      webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET', events: ['dependency.*'] }] }
    }
  })
  t.equal((await h.admin('POST', '/v1/sites/app1/open', { force: true })).status, 200, 'app1 is open (forced past default)')
  t.equal((await h.admin('POST', '/v1/sites/app4/open')).status, 200)
  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 50, hold: '10m' }, { percent: 100 }] })).status, 200)

  await sendUntilPassed(publicUrl(h, '/echo'), 'x-client', 20, { prefix: 'healthy' })
  clock.advance(1000)
  await waitUntil(() => h.gk.reopen.healthGate.lastVerdict() !== null, 'the first judgement')
  await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 20, { prefix: 'failing' })
  clock.advance(1000)
  await waitUntil(() => h.gk.runtime.current().mode === 'closed', 'the health gate to abort default\'s ramp')
  await waitUntil(() => h.gk.sites.get('app3')?.runtime.current().state.flags !== undefined, 'the dependents to be flagged')

  const rows = await (await h.admin('GET', '/v1/sites')).json() as SiteRow[]
  const row = (name: string): SiteRow | undefined => rows.find((site) => site.name === name)
  t.match(row('app1'), { mode: 'open', flags: [{ kind: 'dependency-aborted', site: 'default', reasons: [/5xx share/] }] }, 'app1 is flagged and stays open')
  t.notOk('via' in (row('app1')?.flags?.[0] ?? {}), 'a direct dependency has no via')
  t.match(row('app3'), { mode: 'closed', flags: [{ kind: 'dependency-aborted', site: 'default', via: ['app1'] }] }, 'app3 (through app1) is flagged and stays closed')
  t.notOk('flags' in (row('app4') ?? {}), 'a site that does not depend on default is not flagged')
  t.notOk('flags' in (row('default') ?? {}), 'nor is the aborted site itself')
  t.equal(row('app4')?.mode, 'open')

  const app1 = await (await h.admin('GET', '/v1/sites/app1/state')).json() as State
  t.match(app1.flags, [{ kind: 'dependency-aborted', site: 'default', at: /^\d{4}-/, reasons: [/5xx share/] }], 'GET /v1/sites/app1/state shows the flag')

  const audit = await (await h.admin('GET', '/v1/audit?site=app1&limit=5')).json() as AuditEntry[]
  t.match(audit[0], { action: 'dependency.aborted', actor: 'gatekeeper', site: 'app1', after: { flags: [{ site: 'default' }] } }, 'the flag is audited in the dependent\'s log')
  t.notOk('mode' in (audit[0]?.after ?? {}), 'the audit entry changes no mode')

  await waitUntil(() => receiver.received.length >= 2, 'the webhooks')
  const events = receiver.received.map((r) => JSON.parse(r.body) as GatekeeperEvent)
  t.same(events.map((e) => [e.event, e.data.site, e.data.dependency]), [['dependency.aborted', 'app1', 'default'], ['dependency.aborted', 'app3', 'default']], 'one event per dependent')
  t.match(events[0], { actor: 'gatekeeper', state: { mode: 'open' }, data: { acted: 'abort', via: [], reasons: [/5xx share/] } })

  // the operator's next change of app1's mode is their decision: it clears the flag
  const closed = await h.admin('POST', '/v1/sites/app1/close', { reason: 'default failed its health gate' })
  t.equal(closed.status, 200)
  t.notOk('flags' in (await closed.json() as Record<string, unknown>), 'the answer has no flags')
  const after = await (await h.admin('GET', '/v1/sites')).json() as SiteRow[]
  t.notOk('flags' in (after.find((site) => site.name === 'app1') ?? {}), 'app1\'s flag is cleared')
  t.equal(after.find((site) => site.name === 'app3')?.flags?.length, 1, 'app3 keeps its own until the operator changes it')
})
