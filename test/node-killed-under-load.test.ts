import t from 'tap'
import { get } from './helpers/harness.js'
import { startNode, startNodesGate, until } from './helpers/nodes.js'

interface NodeBody { name: string, health: string, errors: number }

t.test('a node killed under load: only its requests in flight may fail, then none do, and passive health takes it down', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  // the active check runs once at the start and then not for a minute: only requests can take walton down
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }],
    { healthCheck: { path: '/portal/health', interval: '60s', timeout: '2s', fall: 3, rise: 2 } })
  t.ok(await until(() => h.gk.nodes.list().every((n) => n.health === 'up')), 'both nodes checked up')

  const TOTAL = 300
  const CONCURRENCY = 8
  let started = 0
  let killedAt = -1
  let inFlightAtKill = 0
  const failures: Array<{ index: number, status: number }> = []
  const served: Record<string, number> = {}

  async function worker (): Promise<void> {
    while (started < TOTAL) {
      const index = started++
      if (index === 100) {
        inFlightAtKill = h.gk.nodes.inFlightOf('walton')
        killedAt = index
        walton.close().catch(() => {})
      }
      const answer = await get(h.publicUrl + '/slow?ms=20').catch(() => ({ status: 0, body: '' }))
      if (answer.status !== 200) failures.push({ index, status: answer.status })
      else served[answer.body] = (served[answer.body] ?? 0) + 1
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))

  t.equal(killedAt, 100)
  t.ok(failures.length <= inFlightAtKill, `at most the ${inFlightAtKill} requests in flight on walton failed (${failures.length} did)`)
  const late = failures.filter((f) => f.index >= killedAt)
  t.same(late, [], 'no request sent after the kill failed')
  t.ok((served.walton ?? 0) > 0 && (served.stubing ?? 0) > 0, 'both served before the kill')
  for (const f of failures) t.equal(f.status, 502, 'a failed request got the 502 page, not a hang')

  const nodes = await (await h.admin('GET', '/v1/nodes')).json() as { nodes: NodeBody[] }
  const down = nodes.nodes.find((n) => n.name === 'walton')
  t.equal(down?.health, 'down', 'passive health took walton down')
  t.ok((down?.errors ?? 0) >= 3, 'its errors are counted')
  t.equal(nodes.nodes.find((n) => n.name === 'stubing')?.health, 'up')
})
