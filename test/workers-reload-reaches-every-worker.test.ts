import { writeFileSync } from 'node:fs'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, get, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'
import { until } from './helpers/cluster.js'

/** `count` requests from 127.0.0.3, each on a new connection (so each may land on either worker), `concurrency` at a time. */
async function statusesFromNewConnections (url: string, count: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = []
  let started = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < count) {
      started++
      statuses.push((await get(url, { from: '127.0.0.3' })).status)
    }
  }))
  return [...new Set(statuses)].sort()
}

t.test('with workers: 2, a reload answers once every worker serves the new configuration', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, { workers: 2, initialMode: 'closed', logLevel: 'info' })
  const path = writeConfig(dir, raw)
  const gk = await startProcess(t, path, 30_000)
  const admin = adminClient(gk.adminUrl)
  t.same(await statusesFromNewConnections(gk.publicUrl + '/', 20, 4), [503], 'no worker admits 127.0.0.3 yet')

  writeConfig(dir, { ...raw, allowlist: ['127.0.0.3/32'] })
  const res = await admin('POST', '/v1/reload')
  t.equal(res.status, 200)
  t.same(await res.json(), { version: 2, changed: ['allowlist'] })
  t.same(await statusesFromNewConnections(gk.publicUrl + '/', 20, 4), [200], 'as soon as the reload answered, every worker admits it')

  // SIGHUP goes to the primary, which tells the workers; nobody exits
  writeConfig(dir, { ...raw, allowlist: [] })
  process.kill(gk.child.pid as number, 'SIGHUP')
  await until('the primary reloaded', () => gk.output().split('"configuration reloaded"').length > 2, 20_000)
  t.same(await statusesFromNewConnections(gk.publicUrl + '/', 20, 4), [503], 'every worker keeps 127.0.0.3 out again')
  t.notMatch(gk.output(), /public worker exited/, 'no worker was lost')
  t.equal(gk.child.exitCode, null)
})

t.test('a worker started after a reload serves the reloaded configuration, even when the file has since broken', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, { workers: 2, initialMode: 'closed', logLevel: 'info' })
  const path = writeConfig(dir, raw)
  const gk = await startProcess(t, path, 30_000)
  const admin = adminClient(gk.adminUrl)
  writeConfig(dir, { ...raw, allowlist: ['127.0.0.3/32'] })
  t.equal((await admin('POST', '/v1/reload')).status, 200)
  // the file is broken now: a worker that read it would not start at all
  writeFileSync(path, 'allowlist: [')
  const workers = [...gk.output().matchAll(/"worker":(\d+),[^\n]*"pid":(\d+)[^\n]*"public worker listening"/g)].map((m) => Number(m[2]))
  t.equal(workers.length, 2)
  process.kill(workers[0] as number, 'SIGKILL')
  await until('a new worker listens', () => gk.output().split('"public worker listening"').length > 3, 20_000)
  t.same(await statusesFromNewConnections(gk.publicUrl + '/', 20, 4), [200], 'the new worker serves what was reloaded')
})
