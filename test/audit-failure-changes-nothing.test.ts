import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { get, publicUrl, startHarness, type Harness } from './helpers/harness.js'

interface Line { version: number, action: string }

function auditLines (h: Harness): Line[] {
  return readFileSync(join(h.dir, 'audit.jsonl'), 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line)
}

function storedState (h: Harness): { version: number, mode: string, allowlist: unknown[] } {
  return JSON.parse(readFileSync(join(h.dir, 'state.json'), 'utf8')) as { version: number, mode: string, allowlist: unknown[] }
}

async function modeServed (h: Harness): Promise<string> {
  return (await (await h.admin('GET', '/v1/state')).json() as { mode: string }).mode
}

t.test('an audit that cannot be written: the open is refused, and the next change does not open the site either', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  const auditPath = join(h.dir, 'audit.jsonl')
  // a directory in place of the audit log: every append fails, whoever runs the process
  renameSync(auditPath, auditPath + '.saved')
  mkdirSync(auditPath)

  const open = await h.admin('POST', '/v1/open')
  t.ok(open.status >= 500, `the open is refused (${open.status})`)
  t.equal(await modeServed(h), 'closed', 'the gate still serves closed')
  t.same([storedState(h).version, storedState(h).mode], [1, 'closed'], 'the state file still holds the closed state')

  const add = await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32', label: 'dba' })
  t.ok(add.status >= 500, `the allowlist add is refused too while the audit is broken (${add.status})`)
  t.equal(await modeServed(h), 'closed')
  t.equal(storedState(h).mode, 'closed', 'nothing unaudited reached the disk')

  rmSync(auditPath, { recursive: true })
  renameSync(auditPath + '.saved', auditPath)
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32', label: 'dba' })).status, 201, 'with the audit repaired, a change goes through')
  t.equal(await modeServed(h), 'closed', 'and the site is still closed')
  t.same([storedState(h).version, storedState(h).mode], [2, 'closed'])
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.3' })).status, 503, 'the public is held')
  t.same(auditLines(h).map((line) => [line.version, line.action]), [[0, 'init'], [1, 'close'], [2, 'allowlist.add']], 'the audit has no gap and no unapplied change')
})

t.test('a state file that cannot be written: the audit keeps no entry for the change that did not happen', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  const statePath = join(h.dir, 'state.json')
  // a non-empty directory in place of the state file: the rename over it fails
  renameSync(statePath, statePath + '.saved')
  mkdirSync(join(statePath, 'in-the-way'), { recursive: true })

  const open = await h.admin('POST', '/v1/open')
  t.ok(open.status >= 500, `the open is refused (${open.status})`)
  t.equal(await modeServed(h), 'closed', 'the gate still serves closed')
  t.same(auditLines(h).map((line) => line.version), [0, 1], 'the audit entry of the failed open was taken back')

  rmSync(statePath, { recursive: true })
  renameSync(statePath + '.saved', statePath)
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.2/32' })).status, 201)
  t.same([storedState(h).version, storedState(h).mode], [2, 'closed'])
  t.same(auditLines(h).map((line) => [line.version, line.action]), [[0, 'init'], [1, 'close'], [2, 'allowlist.add']])
})
