import t from 'tap'
import cluster from 'node:cluster'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { createWorkerPool } from '../src/cluster/worker-pool.js'
import { parseConfig } from '../src/config/config.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { startGatekeeper } from '../src/server.js'
import { TEST_ENV, adminClient, rawConfig, tempDir } from './helpers/harness.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { startReceiver } from './helpers/webhook-receiver.js'

// One change, told once to each part that follows the state, in a fixed order: the workers
// (acknowledged), the in-memory gate, the firewall, the webhooks. Counted here per state version.

/** A stand-in for the privileged firewall helper: notes each ruleset asked for and says it went in. */
async function fakeFirewallHelper (t: { teardown (fn: () => unknown): void }, path: string): Promise<string[]> {
  const modes: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    let text = ''
    socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
    socket.on('end', () => {
      modes.push((JSON.parse(text) as { mode: string }).mode)
      socket.end(JSON.stringify({ ok: true, applied: true }) + '\n')
    })
  })
  await new Promise<void>((resolve) => server.listen(path, resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy()
    server.close(() => resolve())
  }))
  return modes
}

function countOf (counts: Map<number, number>, version: number): number {
  return counts.get(version) ?? 0
}

t.test('each change reaches the workers, the gate, the firewall and the webhooks exactly once', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const receiver = await startReceiver(t)
  const helperModes = await fakeFirewallHelper(t, join(dir, 'helper.sock'))
  const config = parseConfig(rawConfig(dir, upstream.url, {
    workers: 1,
    webhooks: { endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET' }] },
    firewall: { apply: 'helper', helperSocket: join(dir, 'helper.sock'), ports: [{ port: 5432 }] }
  }), { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789' })

  // the pool forks a stand-in worker that acknowledges each state it is sent
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./fixtures/counting-worker.mjs', import.meta.url)) })
  const workerMessages = new Map<number, number>()
  const onWorkerMessage = (_worker: unknown, message: { type?: string, version?: number }): void => {
    if (message.type === 'gk:applied' && typeof message.version === 'number') {
      workerMessages.set(message.version, countOf(workerMessages, message.version) + 1)
    }
  }
  cluster.on('message', onWorkerMessage)
  t.teardown(() => { cluster.off('message', onWorkerMessage) })

  const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), workers: createWorkerPool(config) })
  t.teardown(() => gk.close())
  const runtimeApplies = new Map<number, number>()
  const order: string[] = []
  gk.runtime.onApplied((next) => {
    runtimeApplies.set(next.version, countOf(runtimeApplies, next.version) + 1)
    order.push(`runtime ${next.version}`)
  })
  await waitUntil(() => helperModes.length === 1, 'the firewall to apply the state at start')
  const admin = adminClient(gk.adminUrl)

  const events = (): Array<{ event: string, version: number }> => receiver.received.map((r) => JSON.parse(r.body) as { event: string, version: number })
  const modeChanges = (): Array<{ event: string, version: number }> => events().filter((e) => e.event === 'mode.changed')
  const versions: number[] = []
  const changes: Array<[string, string]> = [['/v1/close', 'closed'], ['/v1/open', 'open'], ['/v1/close', 'closed']]
  for (const [path, mode] of changes) {
    const res = await admin('POST', path, {})
    t.equal(res.status, 200, `${path} went through`)
    const version = (await res.json() as { version: number }).version
    versions.push(version)
    t.equal(countOf(workerMessages, version), 1, `the worker acknowledged version ${version}, once, before the call returned`)
    await waitUntil(() => helperModes.length === versions.length + 1, `the firewall to apply version ${version}`)
    t.equal(helperModes.at(-1), mode)
    await waitUntil(() => modeChanges().length === versions.length, `the webhook for version ${version}`)
  }
  // a second telling would come just after the first: give it time to show up
  await new Promise((resolve) => setTimeout(resolve, 500))

  for (const version of versions) {
    t.equal(countOf(workerMessages, version), 1, `version ${version}: one message to the worker (found ${countOf(workerMessages, version)})`)
    t.equal(countOf(runtimeApplies, version), 1, `version ${version}: applied once to the gate`)
  }
  t.equal(helperModes.length, versions.length + 1, 'one firewall apply per change (and one at start)')
  t.same(modeChanges().map((e) => e.version), versions, 'one webhook per change, in order')
  // the reopening ended a window: that is told once more, as a summary (window.ended), never as a second change
  t.same(events().filter((e) => e.event === 'window.ended').length, 1, 'one window.ended for the one reopening')
})
