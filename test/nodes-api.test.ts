import t from 'tap'
import { startCluster, until as clusterUntil } from './helpers/cluster.js'
import { tempDir, VIEWER_TOKEN, adminClient } from './helpers/harness.js'
import { setNode, startNode, startNodesGate } from './helpers/nodes.js'

interface NodeBody { name: string, url: string, state: string, health: string, inFlight: number, requests: number, errors: number, lastCheck: string | null }
interface AuditBody { version: number, action: string, actor: string, before: Record<string, unknown> | null, after: Record<string, unknown> }

t.test('GET /v1/nodes lists each node with its state, health and counts', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url, weight: 1 }])
  const res = await h.admin('GET', '/v1/nodes')
  t.equal(res.status, 200)
  const body = await res.json() as { nodes: NodeBody[] }
  t.same(body.nodes.map((n) => n.name), ['stubing', 'walton'])
  for (const node of body.nodes) {
    t.match(node, { state: 'in', health: 'unknown', inFlight: 0, requests: 0, errors: 0, lastCheck: null })
    t.type(node.url, 'string')
  }
  t.equal(body.nodes[0]?.url, stubing.url)
  // a viewer may read them, not change them
  const viewer = adminClient(h.gk.adminUrl, VIEWER_TOKEN)
  t.equal((await viewer('GET', '/v1/nodes')).status, 200)
  t.equal((await viewer('POST', '/v1/nodes/walton', { state: 'out' })).status, 403)
})

t.test('POST /v1/nodes/{name}: 404 for an unknown node, 400 for a bad state, 412 for a stale If-Match; none changes anything', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }])
  const before = h.gk.runtime.current().version

  const unknown = await setNode(h, 'nobody', 'out')
  t.equal(unknown.status, 404)
  t.match(await unknown.json(), { code: 'GK_ERR_NOT_FOUND', message: /nobody/ })

  const bad = await setNode(h, 'stubing', 'sideways')
  t.equal(bad.status, 400)
  t.match(await bad.json(), { code: 'GK_ERR_BAD_FIELD', message: /body\.state: must be one of in, drain, out, testers, got "sideways"/ })

  const missing = await h.admin('POST', '/v1/nodes/stubing', { reason: 'no state' })
  t.equal(missing.status, 400)
  t.match(await missing.json(), { code: 'GK_ERR_MISSING_FIELD', message: /body\.state is required/ })

  const stale = await h.admin('POST', '/v1/nodes/stubing', { state: 'out' }, { 'if-match': `"${before + 7}"` })
  t.equal(stale.status, 412)
  t.match(await stale.json(), { code: 'GK_ERR_VERSION_MISMATCH' })

  t.equal(h.gk.runtime.current().version, before, 'nothing changed')
  t.same(h.gk.runtime.current().state.nodes, {})
})

t.test('a node change bumps the version, is audited as node.state and survives a restart on the file store', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const dir = tempDir(t)
  const nodes = [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }]
  const h = await startNodesGate(t, nodes, {}, {}, dir)
  const before = h.gk.runtime.current().version

  const res = await setNode(h, 'stubing', 'testers', '2.4.1 under test')
  t.equal(res.status, 200)
  t.equal(res.headers.get('etag'), `"${before + 1}"`)
  t.match(await res.json(), { version: before + 1, node: { name: 'stubing', state: 'testers' } })

  const audit = await (await h.admin('GET', '/v1/audit?limit=5')).json() as AuditBody[]
  const entry = audit.find((e) => e.version === before + 1)
  t.match(entry, { action: 'node.state', actor: 'ops', after: { nodes: { stubing: { state: 'testers', reason: '2.4.1 under test', by: 'ops' } } } })

  const listed = await (await h.admin('GET', '/v1/nodes')).json() as { nodes: NodeBody[] }
  t.same(listed.nodes.map((n) => [n.name, n.state]), [['stubing', 'testers'], ['walton', 'in']])

  await h.gk.close()
  const again = await startNodesGate(t, nodes, {}, {}, dir)
  const after = await (await again.admin('GET', '/v1/nodes')).json() as { nodes: NodeBody[] }
  t.same(after.nodes.map((n) => [n.name, n.state]), [['stubing', 'testers'], ['walton', 'in']], 'the node state came back after the restart')
  t.equal(again.gk.runtime.current().version, before + 1)
})

t.test('with Redis, two instances see the same node state', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const cluster = await startCluster(t, 0)
  const upstream = { nodes: [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }] }
  const a = await cluster.start('a', { upstream })
  const b = await cluster.start('b', { upstream })
  const etag = (await a.admin('GET', '/v1/state')).headers.get('etag') ?? ''
  const res = await a.admin('POST', '/v1/nodes/walton', { state: 'out', reason: 'upgrade' }, { 'if-match': etag })
  t.equal(res.status, 200)
  await clusterUntil('b applied the node state', () => b.gk.runtime.current().state.nodes.walton?.state === 'out')
  const seen = await (await b.admin('GET', '/v1/nodes')).json() as { nodes: NodeBody[] }
  t.same(seen.nodes.map((n) => [n.name, n.state]), [['stubing', 'in'], ['walton', 'out']])
  // and b routes by it: the public reaches stubing only
  for (let i = 0; i < 6; i++) {
    const answer = await b.publicGet('/')
    t.equal(answer.body, 'stubing')
  }
})
