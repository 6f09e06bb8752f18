import t from 'tap'
import { get } from './helpers/harness.js'
import { startNode, startNodesGate, until } from './helpers/nodes.js'

interface NodeBody { name: string, health: string, lastCheck: string | null }

t.test('the active check takes a node down after fall failures and back after rise passes', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }],
    { healthCheck: { path: '/portal/health', interval: '500ms', timeout: '450ms', fall: 3, rise: 2 } })
  const health = (name: string): string | undefined => h.gk.nodes.list().find((n) => n.name === name)?.health

  t.ok(await until(() => health('walton') === 'up' && health('stubing') === 'up'), 'both up after their first check')
  const listed = await (await h.admin('GET', '/v1/nodes')).json() as { nodes: NodeBody[] }
  for (const node of listed.nodes) t.ok(node.lastCheck !== null && !Number.isNaN(Date.parse(node.lastCheck)), `${node.name} shows when it was last checked`)

  walton.healthy = false
  const failingFrom = walton.healthChecks
  t.ok(await until(() => health('walton') === 'down'), 'walton went down')
  t.ok(walton.healthChecks - failingFrom >= 3, `only after ${3} failed checks (${walton.healthChecks - failingFrom} seen)`)
  const servedBefore = walton.served
  for (let i = 0; i < 10; i++) t.equal((await get(h.publicUrl + '/page')).body, 'stubing', 'a down node is never chosen')
  t.equal(walton.served, servedBefore)

  walton.healthy = true
  const passingFrom = walton.healthChecks
  t.ok(await until(() => health('walton') === 'up'), 'walton came back')
  t.ok(walton.healthChecks - passingFrom >= 2, `only after 2 good checks (${walton.healthChecks - passingFrom} seen)`)
  const seen = new Set<string>()
  for (let i = 0; i < 6; i++) seen.add((await get(h.publicUrl + '/page')).body)
  t.same([...seen].sort(), ['stubing', 'walton'], 'walton serves again')

  // a check that does not answer within its timeout fails too
  await walton.close()
  t.ok(await until(() => health('walton') === 'down'), 'a closed node goes down')
})

t.test('every node down: the application-unavailable answer, not the maintenance page', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }],
    { healthCheck: { path: '/portal/health', interval: '150ms', timeout: '100ms', fall: 1, rise: 1 } })
  stubing.healthy = false
  t.ok(await until(() => h.gk.nodes.list()[0]?.health === 'down'))
  const answer = await get(h.publicUrl + '/page')
  t.equal(answer.status, 502)
  t.equal(answer.headers['retry-after'], '5')
  t.match(answer.body, /Application unavailable/)
})
