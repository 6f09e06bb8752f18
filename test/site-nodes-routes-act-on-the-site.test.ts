import t from 'tap'
import { get } from './helpers/harness.js'
import { namedUpstream, startSitesHarness } from './helpers/sites.js'

t.test('/v1/sites/{site}/nodes and /admission act on that site: its nodes, its version', async (t) => {
  const a1 = await namedUpstream(t, 'a1')
  const a2 = await namedUpstream(t, 'a2')
  const d1 = await namedUpstream(t, 'd1')
  const h = await startSitesHarness(t, () => [
    { name: 'default', hosts: ['main.test'], upstream: { nodes: [{ name: 'd1', url: d1 }] } },
    { name: 'app1', hosts: ['app1.test'], upstream: { nodes: [{ name: 'a1', url: a1 }, { name: 'a2', url: a2 }] } }
  ])
  const bodyFrom = async (host: string): Promise<string> => (await get(h.gk.publicUrl + '/x', { headers: { host } })).body

  const listed = await h.admin('GET', '/v1/sites/app1/nodes')
  t.equal(listed.status, 200)
  t.equal(listed.headers.get('etag'), '"0"')
  t.same(((await listed.json()) as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name), ['a1', 'a2'], 'app1\'s own nodes')
  t.same(((await (await h.admin('GET', '/v1/nodes')).json()) as { nodes: Array<{ name: string }> }).nodes.map((n) => n.name), ['d1'], 'the old route lists default\'s')
  t.match(await (await h.admin('GET', '/v1/sites/app1/nodes/a2')).json(), { name: 'a2', state: 'in' })
  t.equal((await h.admin('GET', '/v1/sites/app1/nodes/d1')).status, 404, 'default\'s node is not app1\'s')

  // default moves on: app1's version is its own
  t.equal((await h.admin('POST', '/v1/close', { reason: 'default only' })).status, 200)
  t.equal((await h.admin('POST', '/v1/sites/app1/nodes/a1', { state: 'out', reason: 'patching' }, { 'if-match': '"1"' })).status, 412, 'default\'s version is not app1\'s')
  const set = await h.admin('POST', '/v1/sites/app1/nodes/a1', { state: 'out', reason: 'patching' }, { 'if-match': '"0"' })
  t.equal(set.status, 200)
  t.equal(set.headers.get('etag'), '"1"')
  t.match(await set.json(), { version: 1, node: { name: 'a1', state: 'out', reason: 'patching' } })
  t.match(h.gk.sites.get('app1')?.runtime.current().state.nodes, { a1: { state: 'out' } }, 'written to app1\'s state')
  t.equal(h.gk.sites.get('default')?.runtime.current().state.nodes.a1, undefined, 'not to default\'s')
  for (let i = 0; i < 6; i++) t.match(await bodyFrom('app1.test'), /^a2 /, 'app1\'s traffic goes to the node left in')
  t.equal((await h.admin('POST', '/v1/sites/app1/nodes/d1', { state: 'out' })).status, 404, 'a node of another site is unknown here')
  const unknown = await h.admin('GET', '/v1/sites/app9/nodes')
  t.equal(unknown.status, 404)
  t.match(await unknown.json(), { code: 'GK_ERR_UNKNOWN_SITE', message: /default, app1/ })

  // the admission dry run reads the site's state
  t.equal((await h.admin('POST', '/v1/sites/app1/close', { reason: 'app1 upgrade' })).status, 200)
  t.equal((await h.admin('POST', '/v1/open')).status, 200)
  t.match(await (await h.admin('GET', '/v1/sites/app1/admission?ip=192.0.2.7')).json(), { admitted: false, mode: 'closed' })
  t.match(await (await h.admin('GET', '/v1/admission?ip=192.0.2.7')).json(), { admitted: true, mode: 'open' })
})
