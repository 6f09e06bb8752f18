import t from 'tap'
import { fail } from '../src/input/config-checks.js'
import { parseNodesConfig } from '../src/nodes/config.js'
import { get } from './helpers/harness.js'
import { startNode, startNodesGate, until } from './helpers/nodes.js'

t.test('nodes.reconfigure() replaces the node list and the health check at run time', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }])
  for (let i = 0; i < 3; i++) t.equal((await get(h.publicUrl + '/page')).body, 'stubing')

  h.gk.nodes.reconfigure(parseNodesConfig({
    nodes: [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }],
    healthCheck: { path: '/portal/health', interval: '200ms', timeout: '150ms', fall: 1, rise: 1 }
  }, fail))
  t.same(h.gk.nodes.list().map((n) => n.name), ['stubing', 'walton'])
  t.equal(h.gk.nodes.list()[0]?.requests, 3, 'a kept node keeps its counts')
  t.ok(await until(() => walton.healthChecks > 0 && stubing.healthChecks > 0), 'the new health check runs')
  const seen = new Set<string>()
  for (let i = 0; i < 6; i++) seen.add((await get(h.publicUrl + '/page')).body)
  t.same([...seen].sort(), ['stubing', 'walton'])

  h.gk.nodes.reconfigure(parseNodesConfig({ nodes: [{ name: 'walton', url: walton.url }] }, fail))
  for (let i = 0; i < 3; i++) t.equal((await get(h.publicUrl + '/page')).body, 'walton', 'a removed node gets nothing')
  const checks = stubing.healthChecks
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(stubing.healthChecks, checks, 'the checks stopped with the health check gone')
})
