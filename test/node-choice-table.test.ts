import t from 'tap'
import { chooseNode, type NodeView } from '../src/nodes/choose.js'

function node (name: string, over: Partial<NodeView> = {}): NodeView {
  return { name, weight: 1, state: 'in', health: 'up', inFlight: 0, requests: 0, ...over }
}

const cases: Array<[string, NodeView[], 'public' | 'tester', string | undefined, string | null]> = [
  ['the least loaded node', [node('a', { inFlight: 3 }), node('b', { inFlight: 1 })], 'public', undefined, 'b'],
  ['equal load: the one that served fewer', [node('a', { requests: 5 }), node('b', { requests: 4 })], 'public', undefined, 'b'],
  ['equal everything: by name', [node('b'), node('a')], 'public', undefined, 'a'],
  ['weights scale the load', [node('a', { inFlight: 2, weight: 3 }), node('b', { inFlight: 1 })], 'public', undefined, 'a'],
  ['weights scale what was served', [node('a', { requests: 20, weight: 3 }), node('b', { requests: 7 })], 'public', undefined, 'a'],
  ['down is never chosen', [node('a', { health: 'down' }), node('b', { inFlight: 9 })], 'public', undefined, 'b'],
  ['unknown health is usable', [node('a', { health: 'unknown' })], 'public', undefined, 'a'],
  ['out is never chosen', [node('a', { state: 'out' }), node('b', { inFlight: 9 })], 'public', undefined, 'b'],
  ['all out: none', [node('a', { state: 'out' }), node('b', { health: 'down' })], 'public', undefined, null],
  ['the public never reaches testers', [node('a', { state: 'testers' })], 'public', undefined, null],
  ['the public never reaches testers, even by affinity', [node('a', { state: 'testers' }), node('b')], 'public', 'a', 'b'],
  ['a tester prefers the testers node', [node('a'), node('b', { state: 'testers', inFlight: 5 })], 'tester', undefined, 'b'],
  ['a tester uses in nodes when no testers node is usable', [node('a'), node('b', { state: 'testers', health: 'down' })], 'tester', undefined, 'a'],
  ['affinity sticks', [node('a'), node('b', { inFlight: 9 })], 'public', 'b', 'b'],
  ['affinity to a draining node still goes there', [node('a'), node('b', { state: 'drain' })], 'public', 'b', 'b'],
  ['drain takes no new session', [node('a', { inFlight: 9 }), node('b', { state: 'drain' })], 'public', undefined, 'a'],
  ['affinity to an out node falls back', [node('a', { state: 'out' }), node('b')], 'public', 'a', 'b'],
  ['affinity to a down node falls back', [node('a', { health: 'down' }), node('b')], 'public', 'a', 'b'],
  ['affinity to an unknown node falls back', [node('a')], 'public', 'gone', 'a'],
  ['affinity of a tester to a testers node', [node('a'), node('b', { state: 'testers' })], 'tester', 'a', 'a']
]

t.test('the choice of a node, case by case', async (t) => {
  for (const [name, nodes, audience, affinity, expected] of cases) {
    const choice = chooseNode({ nodes, audience, affinity })
    t.equal(choice?.name ?? null, expected, name)
    if (choice !== null) t.equal(choice.sticky, affinity !== undefined && choice.name === affinity, `${name}: sticky`)
  }
})

t.test('a stream of single requests is shared by weight', async (t) => {
  const nodes = [node('a', { weight: 1 }), node('b', { weight: 3 })]
  for (let i = 0; i < 400; i++) {
    const choice = chooseNode({ nodes, audience: 'public' })
    const chosen = nodes.find((n) => n.name === choice?.name) as NodeView
    chosen.requests++
  }
  t.equal(nodes[0]?.requests, 100)
  t.equal(nodes[1]?.requests, 300)
})
