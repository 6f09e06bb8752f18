import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Agent, request } from 'undici'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { adminClient, get, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'

interface Sent { at: number, status: number }

/**
 * Keeps `connections` keep-alive connections busy with requests, one after
 * another on each, noting when each was sent and what it got; until stopped.
 */
function keepAsking (agent: Agent, url: string, connections: number) {
  const sent: Sent[] = []
  const state = { running: true }
  const loops = Array.from({ length: connections }, async () => {
    while (state.running) {
      const at = performance.now()
      const res = await request(url, { dispatcher: agent })
      await res.body.dump()
      sent.push({ at, status: res.statusCode })
    }
  })
  return {
    sent,
    async stop () {
      state.running = false
      await Promise.all(loops)
    }
  }
}

/** `count` requests, each on a new connection (so each may land on either worker), `concurrency` at a time. */
async function freshAnswers (url: string, count: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = []
  let started = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < count) {
      started++
      statuses.push((await get(url, { from: '127.0.0.3' })).status)
    }
  }))
  return [...new Set(statuses)]
}

/**
 * A stored state with many allowlist entries: each worker then takes a
 * while to apply every change, which is when a primary that did not wait
 * for its workers would answer a change call too early.
 */
function heavyState (entries: number): State {
  const state = initialState('open', '')
  for (let i = 0; i < entries; i++) state.allowlist.push({ cidr: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, label: `host ${i}`, addedBy: 'test', addedAt: state.updatedAt })
  return state
}

t.test('with two busy workers, every request sent after a change call returns gets the new state, on kept connections and new ones', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'state.json'), JSON.stringify(heavyState(60_000)))
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const gk = await startProcess(t, writeConfig(dir, rawConfig(dir, upstream.url, { workers: 2, logLevel: 'info' })), 30_000)
  const adminCall = adminClient(gk.adminUrl)
  // the answer carries the whole state, allowlist included: read to its end, or the stop would wait on it
  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number }> => {
    const res = await adminCall(method, path, body)
    await res.arrayBuffer()
    return res
  }
  const url = gk.publicUrl + '/echo'
  const agent = new Agent({ connections: 16, pipelining: 1 })
  t.teardown(() => agent.close())

  for (let cycle = 1; cycle <= 2; cycle++) {
    const load = keepAsking(agent, url, 16)
    await new Promise((resolve) => setTimeout(resolve, 100))
    // two changes back to back: the second is called while the workers may still be applying the first
    t.equal((await admin('POST', '/v1/close', { reason: `cycle ${cycle}` })).status, 200)
    t.equal((await admin('POST', '/v1/open')).status, 200)
    const opened = performance.now()
    await new Promise((resolve) => setTimeout(resolve, 300))
    await load.stop()
    const after = load.sent.filter((answer) => answer.at > opened)
    t.ok(after.length > 0, `cycle ${cycle}: requests were sent after the open returned`)
    t.same([...new Set(after.map((answer) => answer.status))], [200], `cycle ${cycle}: every one sent after the open returned passed`)
    t.same(await freshAnswers(url, 40, 8), [200], `cycle ${cycle}: and every new connection passes`)
  }
  const load = keepAsking(agent, url, 16)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal((await admin('POST', '/v1/close')).status, 200)
  const closed = performance.now()
  await new Promise((resolve) => setTimeout(resolve, 300))
  await load.stop()
  const after = load.sent.filter((answer) => answer.at > closed)
  t.ok(after.length > 0, 'requests were sent after the close returned')
  t.same([...new Set(after.map((answer) => answer.status))], [503], 'every one sent after the close returned was held')
  t.same(await freshAnswers(url, 40, 8), [503], 'and every new connection is held')
  const code = await gk.stop('SIGTERM')
  t.equal(code, 0, 'the primary and its workers stop cleanly', { output: gk.output().slice(-2000) })
})
