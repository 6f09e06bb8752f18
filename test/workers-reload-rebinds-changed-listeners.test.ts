import { Agent, createServer, request, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, rawConfig, tempDir } from './helpers/harness.js'
import { until } from './helpers/cluster.js'
import { freePort } from './helpers/ports.js'
import { startProcess, writeConfig, type GatekeeperProcess } from './helpers/process.js'

interface Answer { status: number, body: string, reused: boolean, socket: Socket }

/** One GET over `agent` (keep-alive): its status, body, and whether it went over a socket already open. */
function getOver (agent: Agent, port: number, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, timeout: 20_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket, socket: req.socket as Socket }) })
    })
    req.on('timeout', () => { req.destroy(new Error('no answer within 20 s')) })
    req.on('error', reject)
    req.end()
  })
}

/** Whether a new TCP connection to the port is accepted (true) or refused (false). */
function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

/** Statuses of `count` requests, each on a new connection (so each may land on either worker). */
async function statusesOnNewConnections (port: number, count: number): Promise<number[]> {
  const statuses = new Set<number>()
  for (let i = 0; i < count; i++) statuses.add((await getOver(new Agent(), port)).status)
  return [...statuses].sort()
}

function listener (port: number): Record<string, unknown> {
  return { host: '127.0.0.1', port }
}

async function occupied (t: { teardown (fn: () => unknown): void }): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { server.close() })
  return (server.address() as AddressInfo).port
}

/** The pids of the workers that said they listen, in the order they said it. */
function workerPids (gk: GatekeeperProcess): number[] {
  return [...gk.output().matchAll(/"pid":(\d+)[^\n]*"public worker listening"/g)].map((m) => Number(m[1]))
}

async function startWorkers (t: { teardown (fn: () => unknown): void }, listen: Array<Record<string, unknown>>): Promise<{ gk: GatekeeperProcess, rewrite: (extra: Record<string, unknown>) => void, admin: ReturnType<typeof adminClient> }> {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, { workers: 2, initialMode: 'open', logLevel: 'info', listen })
  const gk = await startProcess(t, writeConfig(dir, raw), 60_000)
  return { gk, rewrite: (extra) => { writeConfig(dir, { ...raw, ...extra }) }, admin: adminClient(gk.adminUrl) }
}

t.test('with workers: 2, a reload adds a listener, retires one and keeps one without an error on it; a restarted worker takes the new list', async (t) => {
  const kept = await freePort()
  const removed = await freePort()
  const { gk, rewrite, admin } = await startWorkers(t, [listener(kept), listener(removed)])
  const primary = gk.child.pid
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => { agent.destroy() })
  const first = await getOver(agent, kept)
  t.equal(first.status, 200)
  t.equal((await getOver(new Agent(), removed)).status, 200, 'the listener to be removed serves before the reload')

  const added = await freePort()
  rewrite({ listen: [listener(kept), listener(added)] })
  // a bounded load loop on the kept listener, through the reload
  let errors = 0
  let done = 0
  const loopState = { stop: false }
  const loop = (async () => {
    const loader = new Agent({ keepAlive: true, maxSockets: 4 })
    for (let i = 0; i < 3000 && !loopState.stop; i++) {
      try {
        const answer = await getOver(loader, kept)
        if (answer.status !== 200) errors++
      } catch {
        errors++
      }
      done++
    }
    loader.destroy()
  })()
  const res = await admin('POST', '/v1/reload')
  t.equal(res.status, 200, 'the reload is applied')
  t.ok(((await res.json()) as { changed: string[] }).changed.includes('listen'), 'listen is among the changed keys')
  t.same(await statusesOnNewConnections(added, 10), [200], 'the new listener answers, whichever worker takes the connection')
  t.equal(await accepts(removed), false, 'the removed listener takes no new connection')
  const again = await getOver(agent, kept)
  t.equal(again.status, 200)
  t.equal(again.socket, first.socket, 'the keep-alive connection opened before the reload is still the one used')
  loopState.stop = true
  await loop
  t.ok(done > 0, 'the loop ran')
  t.equal(errors, 0, 'no error on the kept listener during the reload')
  t.equal(gk.child.pid, primary)
  t.equal(gk.child.exitCode, null, 'the primary still runs')
  t.equal(gk.output().split('"gatekeeper started"').length, 2, 'it started once')
  t.notMatch(gk.output(), /public worker exited/, 'no worker was lost')

  // a worker that crashes now is started again with the listeners in force
  const pids = workerPids(gk)
  t.equal(pids.length, 2)
  process.kill(pids[0] as number, 'SIGKILL')
  await until('a new worker listens', () => workerPids(gk).length > 2, 60_000)
  const restarted = gk.output().split('\n').find((line) => line.includes('"public worker listening"') && line.includes(`"pid":${String(workerPids(gk)[2])}`)) ?? ''
  t.match(restarted, `127.0.0.1:${added}`, 'the restarted worker listens on the added listener')
  t.notMatch(restarted, `127.0.0.1:${removed}`, 'and not on the removed one')
  t.equal(await accepts(removed), false, 'the removed listener stays closed')
  t.same(await statusesOnNewConnections(added, 10), [200], 'the added listener answers')
  t.same(await statusesOnNewConnections(kept, 10), [200], 'the kept listener answers')
})

t.test('with workers: 2, a reload whose new port is taken is refused, naming it; every worker closes what it bound and the old listeners all answer', async (t) => {
  const a = await freePort()
  const b = await freePort()
  const { gk, rewrite, admin } = await startWorkers(t, [listener(a), listener(b)])
  const c = await freePort()
  const taken = await occupied(t)
  rewrite({ listen: [listener(a), listener(b), listener(c), listener(taken)], allowlist: ['127.0.0.2/32'] })
  const res = await admin('POST', '/v1/reload')
  t.equal(res.status, 422)
  const body = await res.json() as { code: string, message: string }
  t.equal(body.code, 'GK_ERR_RELOAD_REFUSED')
  t.match(body.message, /listen\[3\]/, 'the listener is named')
  t.match(body.message, new RegExp(`127\\.0\\.0\\.1:${taken}`), 'with its address')
  t.notMatch(body.message, /restart to apply/)
  t.equal(await accepts(c), false, 'the listener bound for it was closed again in every worker')
  t.same(await statusesOnNewConnections(a, 10), [200], 'the first old listener answers')
  t.same(await statusesOnNewConnections(b, 10), [200], 'the second old listener answers')
  t.same(((await (await admin('GET', '/v1/allowlist')).json()) as { static: unknown[] }).static, [], 'the allowlist did not change either')
  t.equal(gk.child.exitCode, null)
  t.notMatch(gk.output(), /public worker exited/, 'no worker was lost')

  // once the port is free, the same kind of change is taken
  rewrite({ listen: [listener(a), listener(c)] })
  t.equal((await admin('POST', '/v1/reload')).status, 200)
  t.same(await statusesOnNewConnections(c, 10), [200], 'the new listener answers')
  t.equal(await accepts(b), false, 'the removed one is closed')
})
