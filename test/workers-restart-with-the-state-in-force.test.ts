import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, get, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig, type GatekeeperProcess } from './helpers/process.js'

/** The pids of the workers that said they listen, in the order they did. */
function workerPids (gk: GatekeeperProcess): number[] {
  const pids: number[] = []
  for (const line of gk.output().split('\n')) {
    if (!line.includes('"public worker listening"')) continue
    pids.push((JSON.parse(line) as { pid: number }).pid)
  }
  return pids
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function until (what: string, check: () => boolean, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function statuses (url: string, count: number): Promise<number[]> {
  const seen: number[] = []
  for (let i = 0; i < count; i++) seen.push((await get(url, { from: '127.0.0.3' })).status)
  return [...new Set(seen)]
}

t.test('a worker killed is started again by the primary and serves the state in force; none outlives the primary', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const gk = await startProcess(t, writeConfig(dir, rawConfig(dir, upstream.url, { workers: 2, logLevel: 'info' })))
  const admin = adminClient(gk.adminUrl)
  const url = gk.publicUrl + '/echo'
  const first = workerPids(gk)
  t.equal(first.length, 2, 'two workers listen')

  t.equal((await admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  const [killed, survivor] = first as [number, number]
  process.kill(killed, 'SIGKILL')
  await until('a new worker', () => workerPids(gk).length === 3)
  const restarted = workerPids(gk)[2] as number
  t.not(restarted, killed, 'another process took its place')
  t.same(await statuses(url, 40), [503], 'closed on every worker, the new one included')

  t.equal((await admin('POST', '/v1/open')).status, 200)
  t.same(await statuses(url, 40), [200], 'open on every worker')

  await gk.stop('SIGKILL')
  await until('the workers to follow the primary', () => !alive(survivor) && !alive(restarted))
  t.pass('no worker outlives its primary')
})
