import t from 'tap'
import { cliFor } from './helpers/cli.js'
import type { Harness } from './helpers/harness.js'
import { startNode, startNodesGate } from './helpers/nodes.js'

t.test('gatekeeper nodes prints the nodes; gatekeeper node NAME STATE sets one, with a reason', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }])
  const { run } = cliFor(t, { gk: h.gk } as unknown as Harness)

  const listed = await run(['nodes'])
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.stdout, /NODE\s+URL\s+STATE\s+HEALTH\s+IN FLIGHT\s+REQUESTS\s+ERRORS\s+CHECKED/)
  t.match(listed.stdout, new RegExp(`stubing\\s+${stubing.url}\\s+in\\s+unknown\\s+0\\s+0\\s+0\\s+-`))

  const set = await run(['node', 'stubing', 'testers', '--reason', '2.4.1 under test'])
  t.equal(set.code, 0, set.stderr)
  t.match(set.stdout, /stubing\s+\S+\s+testers \(2\.4\.1 under test\)/)
  t.equal(h.gk.runtime.current().state.nodes.stubing?.state, 'testers')

  const json = await run(['nodes', '--json'])
  t.match(JSON.parse(json.stdout), { nodes: [{ name: 'stubing', state: 'testers', reason: '2.4.1 under test' }, { name: 'walton', state: 'in' }] })

  const drained = await run(['node', 'walton', 'out', '--wait', 'drained', '--timeout', '5'])
  t.equal(drained.code, 0, drained.stderr)
  t.equal(h.gk.runtime.current().state.nodes.walton?.state, 'out')

  const bad = await run(['node', 'walton', 'sideways'])
  t.not(bad.code, 0)
  t.match(bad.stderr, /must be one of in, drain, out, testers/)
  const unknown = await run(['node', 'nobody', 'out'])
  t.not(unknown.code, 0)
  t.match(unknown.stderr, /nobody/)

  const help = await run(['help', 'node'])
  t.match(help.stdout + help.stderr, /Usage: gatekeeper node NAME in\|drain\|out\|testers/)
})
