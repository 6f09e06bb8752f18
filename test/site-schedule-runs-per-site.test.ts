import t from 'tap'
import type { AuditEntry, State } from '../src/state/types.js'
import { createManualClock } from './helpers/manual-clock.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { siteStateOf, startSitesHarness } from './helpers/sites.js'

t.test('a schedule on one site closes and reopens that site alone, on its own clock', async (t) => {
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['main.test'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: url }
  ], { clock })
  const stateOf = (site: string): State => siteStateOf(h.gk, site)
  const closeAt = new Date(clock.now() + 3600_000).toISOString()
  const openAt = new Date(clock.now() + 2 * 3600_000).toISOString()
  const stale = await h.admin('POST', '/v1/sites/app1/schedule', { closeAt, openAt, reason: 'upgrading app1', then: 'open' }, { 'if-match': '"5"' })
  t.equal(stale.status, 412, 'If-Match is the site\'s version')
  const created = await h.admin('POST', '/v1/sites/app1/schedule', { closeAt, openAt, reason: 'upgrading app1', then: 'open' }, { 'if-match': '"0"' })
  t.equal(created.status, 201)
  t.equal(created.headers.get('location'), '/v1/sites/app1/schedule')
  t.equal(created.headers.get('etag'), '"1"')
  t.match(await (await h.admin('GET', '/v1/sites/app1/schedule')).json(), { closeAt, openAt, phase: 'pending', then: 'open' })
  t.equal((await h.admin('GET', '/v1/schedule')).status, 404, 'default has no schedule')
  t.equal((await h.admin('GET', '/v1/sites/app9/schedule')).status, 404)

  clock.advance(3600_000)
  await waitUntil(() => stateOf('app1').mode === 'closed', 'app1 to close on schedule')
  t.equal(stateOf('app1').reason, 'upgrading app1')
  t.equal(stateOf('default').mode, 'open', 'default stays open')

  clock.advance(3600_000)
  await waitUntil(() => stateOf('app1').mode === 'open', 'app1 to reopen on schedule')
  t.equal(stateOf('app1').schedule, undefined, 'the schedule is over')
  t.equal(stateOf('default').version, 0, 'nothing was written to default')

  const audit = await (await h.admin('GET', '/v1/audit?site=app1&limit=10')).json() as AuditEntry[]
  t.same(audit.filter((e) => e.action !== 'init').map((e) => [e.action, e.actor, e.site]).reverse(), [
    ['schedule.create', 'ops', 'app1'], ['schedule.close', 'gatekeeper', 'app1'], ['schedule.open', 'gatekeeper', 'app1']
  ])

  // cancel on the site
  t.equal((await h.admin('POST', '/v1/sites/app1/schedule', { closeAt: new Date(clock.now() + 3600_000).toISOString() })).status, 201)
  t.equal((await h.admin('DELETE', '/v1/sites/app1/schedule')).status, 200)
  t.equal(stateOf('app1').schedule, undefined)
})
