import { appendFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { get, publicUrl, startHarness, tempDir } from './helpers/harness.js'

interface Line { version: number, action: string, after: Record<string, unknown> }

t.test('a crash between the audit entry and the state write: the change did not happen, and the audit says so', async (t) => {
  const dir = tempDir(t)
  const first = await startHarness(t, {}, dir)
  t.equal((await first.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  await first.gk.close()
  const auditPath = join(dir, 'audit.jsonl')
  // what a crash leaves when the audit entry of an open is on disk and the state write never happened,
  // followed by the torn start of a line
  appendFileSync(auditPath, JSON.stringify({ version: 2, at: new Date().toISOString(), actor: 'ops', ip: '127.0.0.1', action: 'open', before: { mode: 'closed' }, after: { mode: 'open' } }) + '\n')
  appendFileSync(auditPath, '{"version":3,"at":"20')

  const second = await startHarness(t, {}, dir)
  const state = await (await second.admin('GET', '/v1/state')).json() as { mode: string, version: number }
  t.same([state.mode, state.version], ['closed', 1], 'the state on disk is the one served')
  t.equal((await get(publicUrl(second, '/echo'), { from: '127.0.0.3' })).status, 503, 'the public is held')
  const shown = await (await second.admin('GET', '/v1/audit?limit=10')).json() as Line[]
  t.notOk(shown.some((entry) => entry.action === 'open'), 'the unapplied open is not shown as a change')
  t.match(shown[0], { version: 1, action: 'audit.reconciled', after: { notApplied: [{ version: 2, action: 'open', actor: 'ops' }] } }, 'the audit records what was taken back')

  t.equal((await second.admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32' })).status, 201)
  const lines = readFileSync(auditPath, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line)
  const changes = lines.filter((line) => line.action !== 'audit.reconciled')
  t.same(changes.map((line) => [line.version, line.action]), [[0, 'init'], [1, 'close'], [2, 'allowlist.add']], 'one entry per version, every line whole')
})
