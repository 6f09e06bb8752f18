import t from 'tap'
import { get } from './helpers/harness.js'
import { setNode, startNode, startNodesGate } from './helpers/nodes.js'

t.test('both nodes get traffic, in proportion to their weights', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url, weight: 1 }, { name: 'walton', url: walton.url, weight: 3 }])
  const seen: Record<string, number> = { stubing: 0, walton: 0 }
  for (let i = 0; i < 80; i++) {
    const answer = await get(h.publicUrl + '/page')
    t.equal(answer.status, 200)
    seen[answer.body] = (seen[answer.body] ?? 0) + 1
  }
  t.equal(seen.stubing, 20, 'one share of four')
  t.equal(seen.walton, 60, 'three shares of four')

  // concurrent requests spread too
  const answers = await Promise.all(Array.from({ length: 16 }, async () => await get(h.publicUrl + '/slow?ms=100')))
  const names = new Set(answers.map((a) => a.body))
  t.same([...names].sort(), ['stubing', 'walton'], 'both nodes took concurrent requests')

  const metrics = await (await h.admin('GET', '/metrics')).text()
  t.match(metrics, /gatekeeper_node_requests_total\{node="walton"\} \d+/)
  t.match(metrics, /gatekeeper_node_errors_total\{node="stubing"\} 0/)
  t.match(metrics, /gatekeeper_node_in_flight\{node="stubing"\} 0/)
})

t.test('the session cookie sticks to the node that issued it, and falls back when that node is out', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }], { affinity: { cookie: 'JSESSIONID' } })

  const sessions: Array<{ cookie: string, node: string }> = []
  for (let i = 0; i < 6; i++) {
    const login = await get(h.publicUrl + '/login')
    const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] as string
    t.match(cookie, /^JSESSIONID=/)
    sessions.push({ cookie, node: login.body })
  }
  t.same(new Set(sessions.map((s) => s.node)), new Set(['stubing', 'walton']), 'logins are balanced over both nodes')

  for (const session of sessions) {
    for (let i = 0; i < 5; i++) {
      const answer = await get(h.publicUrl + '/account', { headers: { cookie: `other=1; ${session.cookie}` } })
      t.equal(answer.body, session.node, `a request of a session of ${session.node} goes there`)
    }
  }

  t.equal((await setNode(h, 'walton', 'out', 'upgrade')).status, 200)
  for (const session of sessions) {
    const answer = await get(h.publicUrl + '/account', { headers: { cookie: session.cookie } })
    t.equal(answer.status, 200)
    t.equal(answer.body, 'stubing', 'with walton out, every session is served by stubing')
  }

  // an unknown session value is balanced like a new one
  const stranger = await get(h.publicUrl + '/account', { headers: { cookie: 'JSESSIONID=forged' } })
  t.equal(stranger.body, 'stubing')
})

t.test('without affinity configured, the cookie is not followed', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }])
  const login = await get(h.publicUrl + '/login')
  const cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] as string
  const nodes = new Set<string>()
  for (let i = 0; i < 4; i++) nodes.add((await get(h.publicUrl + '/account', { headers: { cookie } })).body)
  t.equal(nodes.size, 2)
})
