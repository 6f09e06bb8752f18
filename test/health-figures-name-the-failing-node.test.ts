import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

interface Teardown { teardown (fn: () => unknown): void }

/** A node on loopback answering every request with `status` (and its name). */
async function nodeAnswering (t: Teardown, name: string, status: number): Promise<string> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' })
    res.end(name)
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', () => { resolve() }) })
  t.teardown(() => new Promise<void>((resolve) => { server.close(() => { resolve() }); server.closeAllConnections() }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('with two nodes, one answering 500s, the health figures name the failing node; the gate still judges the whole', async (t) => {
  const stubing = await nodeAnswering(t, 'stubing', 500)
  const walton = await nodeAnswering(t, 'walton', 200)
  const h = await startReopenHarness(t, {
    initialMode: 'closed',
    upstream: { nodes: [{ name: 'stubing', url: stubing }, { name: 'walton', url: walton }] },
    staged: { keyHeader: 'x-client' },
    trustedProxies: ['127.0.0.1/32'],
    // the whole stays under the limit: half the answers fail
    healthGate: { serverErrors: { maxShare: 0.9, minSamples: 10 } }
  })
  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 50, hold: '10m' }, { percent: 100 }] })).status, 200)
  await sendUntilPassed(publicUrl(h, '/'), 'x-client', 20, { passed: (a) => a.status === 500 || a.status === 200 })

  const ramp = await (await h.admin('GET', '/v1/ramp')).json() as { health: { local: { requests: number, serverErrors: number, nodes?: Record<string, { requests: number, serverErrors: number, connectionErrors: number, p99Ms: number | null }> } } }
  const local = ramp.health.local
  t.equal(local.requests, 20)
  t.ok(local.nodes !== undefined, 'the figures are split by node')
  const nodes = local.nodes ?? {}
  t.same(Object.keys(nodes), ['stubing', 'walton'])
  t.equal((nodes.stubing?.requests ?? 0) + (nodes.walton?.requests ?? 0), 20, 'the nodes share the whole')
  t.ok((nodes.stubing?.requests ?? 0) > 0)
  t.equal(nodes.stubing?.serverErrors, nodes.stubing?.requests, 'every answer of stubing is a 5xx')
  t.equal(nodes.walton?.serverErrors, 0, 'walton answers well')
  t.equal(local.serverErrors, nodes.stubing?.serverErrors)
  t.equal(h.state().mode, 'staged', 'the gate judges the whole, under its limit')

  const { run } = cliFor(t, h)
  const shown = await run(['ramp', 'show'])
  t.equal(shown.code, 0, shown.stderr)
  t.match(shown.stdout, /by node:/)
  t.match(shown.stdout, new RegExp(`stubing\\s+${nodes.stubing?.requests ?? -1}\\s+${nodes.stubing?.serverErrors ?? -1}\\s+0`))
  t.match(shown.stdout, new RegExp(`walton\\s+${nodes.walton?.requests ?? -1}\\s+0\\s+0`))
})
