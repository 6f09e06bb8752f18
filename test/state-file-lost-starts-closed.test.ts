import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { TEST_ENV, adminClient, get, rawConfig, startHarness, tempDir } from './helpers/harness.js'

interface Health { status: string, mode: string, store: { ok: boolean, message?: string } }

t.test('a state file lost after a closed window: the gate starts closed, says why, and opens only on purpose', async (t) => {
  const dir = tempDir(t)
  const first = await startHarness(t, {}, dir)
  t.equal((await first.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  t.equal((await first.admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32' })).status, 201)
  await first.gk.close()
  rmSync(join(dir, 'state.json'))

  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const lines: string[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(line) } })
  // the configured initial mode is open: a fresh install would open
  const config = parseConfig(rawConfig(dir, upstream.url, { initialMode: 'open' }), TEST_ENV)
  const gk = await startGatekeeper(config, { logger })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)

  const state = await (await admin('GET', '/v1/state')).json() as { mode: string, reason: string, version: number }
  t.equal(state.mode, 'closed', 'starts closed, not in the initial mode')
  t.match(state.reason, /state file missing/, 'the state says why')
  t.ok(state.version > 2, `the version goes on from the audit history (${state.version}), it does not start again at 0`)
  t.equal((await get(gk.publicUrl + '/echo', { from: '127.0.0.3' })).status, 503, 'the public is held')
  const warning = lines.map((line) => JSON.parse(line) as { level: number, msg: string }).find((line) => /state file/.test(line.msg))
  t.ok(warning !== undefined && warning.level >= 40, 'the log warns, naming the state file')
  const health = await (await fetch(gk.adminUrl + '/healthz')).json() as Health
  t.equal(health.status, 'degraded', '/healthz is degraded')
  t.match(health.store.message, /state file missing.*audit/, '/healthz says why')
  const audit = await (await admin('GET', '/v1/audit?limit=1')).json() as Array<{ version: number, action: string, actor: string }>
  t.match(audit[0], { version: state.version, action: 'recover', actor: 'gatekeeper' }, 'the recovery is audited')

  t.equal((await admin('POST', '/v1/open')).status, 200, 'the operator opens on purpose')
  t.equal((await get(gk.publicUrl + '/echo', { from: '127.0.0.3' })).status, 200)
  const healed = await (await fetch(gk.adminUrl + '/healthz')).json() as Health
  t.equal(healed.status, 'ok', 'and /healthz is ok again')
})

t.test('an audit file that is there but empty holds no history: a fresh install starts in the initial mode', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'audit.jsonl'), '')
  const h = await startHarness(t, { initialMode: 'open' }, dir)
  const state = await (await h.admin('GET', '/v1/state')).json() as { mode: string, version: number }
  t.same([state.mode, state.version], ['open', 0])
  const health = await (await fetch(h.gk.adminUrl + '/healthz')).json() as Health
  t.equal(health.status, 'ok')
})
