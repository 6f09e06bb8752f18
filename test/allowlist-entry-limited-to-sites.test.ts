import t from 'tap'
import { get, startHarness } from './helpers/harness.js'
import { namedUpstream, startSitesHarness } from './helpers/sites.js'

t.test('a dynamic allowlist entry limited to some sites admits there only; without sites, everywhere', async (t) => {
  const one = await namedUpstream(t, 'app1')
  const two = await namedUpstream(t, 'app2')
  const { gk, admin } = await startSitesHarness(t, () => [
    { name: 'app1', hosts: ['one.test'], upstream: one },
    { name: 'app2', hosts: ['two.test'], upstream: two }
  ])
  const status = async (host: string, from: string): Promise<number> => (await get(gk.publicUrl + '/', { headers: { host }, from })).status
  for (const site of ['app1', 'app2']) t.equal((await admin('POST', `/v1/sites/${site}/close`, { reason: 'closed' })).status, 200)

  const added = await admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32', label: 'app1 tester', sites: ['app1'] })
  t.equal(added.status, 201)
  t.match(await added.json(), { allowlist: [{ cidr: '127.0.0.2/32', label: 'app1 tester', sites: ['app1'] }] })
  t.equal(await status('one.test', '127.0.0.2'), 200, 'the entry admits on the site it names')
  t.equal(await status('two.test', '127.0.0.2'), 503, 'and not on another')

  t.equal((await admin('POST', '/v1/allowlist', { cidr: '127.0.0.3/32', label: 'everyone\'s tester' })).status, 201)
  t.equal(await status('one.test', '127.0.0.3'), 200, 'an entry without sites admits on every site')
  t.equal(await status('two.test', '127.0.0.3'), 200)

  const listed = await (await admin('GET', '/v1/allowlist')).json() as { dynamic: Array<Record<string, unknown>> }
  t.match(listed.dynamic, [{ cidr: '127.0.0.2/32', sites: ['app1'] }, { cidr: '127.0.0.3/32' }], 'the list shows the entry\'s sites')
  t.notOk('sites' in (listed.dynamic[1] ?? {}), 'and none for an entry for every site')
  t.match(await (await admin('GET', '/v1/allowlist/127.0.0.2%2F32')).json(), { sites: ['app1'] })

  const before = (await admin('GET', '/v1/sites/app1/state')).headers.get('etag')
  const topBefore = JSON.stringify((await (await admin('GET', '/v1/allowlist')).json() as { dynamic: unknown }).dynamic)
  const bad = await admin('POST', '/v1/allowlist', { cidr: '127.0.0.4/32', label: 'x', sites: ['app1', 'app9'] })
  t.equal(bad.status, 400)
  t.match(await bad.json(), { code: 'GK_ERR_BAD_FIELD', message: /body\.sites\[1\]: "app9" is not a site \(sites: app1, app2\)/ })
  t.equal(JSON.stringify((await (await admin('GET', '/v1/allowlist')).json() as { dynamic: unknown }).dynamic), topBefore, 'a refused entry changes nothing')
  t.equal((await admin('GET', '/v1/sites/app1/state')).headers.get('etag'), before)
  t.equal(await status('one.test', '127.0.0.4'), 503)

  const audit = await (await admin('GET', '/v1/audit?limit=10')).json() as Array<{ action: string, after?: { allowlist?: { added?: unknown[] } } }>
  t.match(audit.find((entry) => entry.action === 'allowlist.add' && JSON.stringify(entry).includes('127.0.0.2/32')),
    { after: { allowlist: { added: [{ cidr: '127.0.0.2/32', sites: ['app1'] }] } } }, 'audited with its sites')

  t.equal((await admin('DELETE', '/v1/allowlist/127.0.0.2%2F32')).status, 200)
  t.equal(await status('one.test', '127.0.0.2'), 503, 'removed, it admits nowhere')
})

t.test('without sites:, the one site is default', async (t) => {
  const { gk, admin } = await startHarness(t)
  t.equal((await admin('POST', '/v1/close', { reason: 'closed' })).status, 200)
  t.equal((await admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32', sites: ['default'] })).status, 201)
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.2' })).status, 200)
  const bad = await admin('POST', '/v1/allowlist', { cidr: '127.0.0.3/32', sites: ['app1'] })
  t.equal(bad.status, 400)
  t.match(await bad.json(), { code: 'GK_ERR_BAD_FIELD', message: /body\.sites\[0\]: "app1" is not a site \(sites: default\)/ })
})
