import { readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startHarness, tempDir } from './helpers/harness.js'

t.test('an audit log replaced by a symlink is not written through: the change is refused and the target is untouched', async (t) => {
  const h = await startHarness(t)
  const auditPath = join(h.dir, 'audit.jsonl')
  const elsewhere = join(tempDir(t), 'someone-elses-file')
  writeFileSync(elsewhere, 'not yours\n')
  renameSync(auditPath, auditPath + '.saved')
  symlinkSync(elsewhere, auditPath)

  const close = await h.admin('POST', '/v1/close', { reason: 'Upgrading' })
  t.equal(close.status, 503, 'the change is refused as a store failure')
  t.match(await close.json(), { code: 'GK_ERR_STORE_UNAVAILABLE', message: /audit/ }, 'the error names the audit log')
  t.equal(readFileSync(elsewhere, 'utf8'), 'not yours\n', 'the symlink\'s target is untouched')
  const state = JSON.parse(readFileSync(join(h.dir, 'state.json'), 'utf8')) as { version: number, mode: string }
  t.same([state.version, state.mode], [0, 'open'], 'the state file is unchanged')
  t.equal((await (await h.admin('GET', '/v1/state')).json() as { mode: string }).mode, 'open')
})
