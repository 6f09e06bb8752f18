import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { buildAuditEntry, stampState } from '../src/state/audit.js'
import { initialState } from '../src/state/initial.js'
import { createFileStore } from '../src/store/file-store.js'
import type { AuditEntry } from '../src/state/types.js'
import { cliFor } from './helpers/cli.js'
import { startHarness, tempDir } from './helpers/harness.js'

const ADDS = 5000
const MAX_AUDIT_BYTES = 5 * 1024 * 1024

t.test('an allowlist add or remove, a token made or revoked: the audit records the entry, not the whole list', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '10.0.0.1/32', label: 'first' })).status, 201)
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '10.0.0.2/32', label: 'second' })).status, 201)
  t.equal((await h.admin('DELETE', '/v1/allowlist/10.0.0.1/32')).status, 200)
  t.equal((await h.admin('POST', '/v1/tokens', { name: 'alice', ttl: '2h' })).status, 201)
  t.equal((await h.admin('DELETE', '/v1/tokens/alice')).status, 200)
  const [revoke, token, remove, add] = await (await h.admin('GET', '/v1/audit?limit=4')).json() as AuditEntry[]
  t.match(add, { action: 'allowlist.add', before: {}, after: { allowlist: { added: [{ cidr: '10.0.0.2/32', label: 'second', addedBy: 'ops' }], removed: [] } } })
  t.equal((add?.after.allowlist as { added: unknown[] }).added.length, 1, 'only the entry added')
  t.match(remove, { action: 'allowlist.remove', after: { allowlist: { added: [], removed: [{ cidr: '10.0.0.1/32', label: 'first' }] } } })
  t.match(token, { action: 'token.create', after: { tokens: { added: [{ name: 'alice', expiresAt: String }], removed: [] } } })
  t.match(revoke, { after: { tokens: { added: [], removed: [{ name: 'alice' }] } } })
  t.notMatch(JSON.stringify([revoke, token]), /sha256|createdBy/, 'a token appears by name and expiry only')

  const { run } = cliFor(t, h)
  const shown = await run(['audit', '--limit', '5'])
  t.equal(shown.code, 0, shown.stderr)
  t.match(shown.stdout, /token\.revoke\s+tokens: -alice\n/, 'the CLI shows a revoke as the token taken away')
  t.match(shown.stdout, /allowlist\.remove\s+allowlist: -10\.0\.0\.1\/32\n/)
  t.match(shown.stdout, /allowlist\.add\s+allowlist: \+10\.0\.0\.2\/32\n/)
})

t.test('allowlist adds over the API: each audit entry holds the one entry added, however long the list', async (t) => {
  const h = await startHarness(t)
  const auditPath = join(h.dir, 'audit.jsonl')
  let longest = 0
  for (let i = 1; i <= 200; i++) {
    const before = statSync(auditPath).size
    const res = await h.admin('POST', '/v1/allowlist', { cidr: `10.${i >> 8}.${i & 255}.0/24` })
    if (res.status !== 201) return t.fail(`add ${i} answered ${res.status}`)
    longest = Math.max(longest, statSync(auditPath).size - before)
  }
  t.ok(longest < 1024, `the longest entry of 200 adds is ${longest} bytes`)
})

t.test(`${ADDS} allowlist adds make an audit under 5 MB, and its newest entries are read without the rest`, async (t) => {
  const h = await startHarness(t)
  await h.gk.close()
  // the audit entries of ADDS adds as the store builds them, each from the state before it
  const ctx = { actor: 'ops', ip: '127.0.0.1', action: 'allowlist.add' }
  let state = initialState('open', '')
  const lines = [JSON.stringify(buildAuditEntry(null, state, { actor: 'gatekeeper', ip: '', action: 'init' }))]
  let bytes = 0
  for (let i = 1; i <= ADDS; i++) {
    const entry = { cidr: `10.${i >> 8}.${i & 255}.0/24`, label: '', addedBy: 'ops', addedAt: new Date().toISOString() }
    const next = stampState(state, { ...state, allowlist: [...state.allowlist, entry] }, ctx)
    const line = JSON.stringify(buildAuditEntry(state, next, ctx))
    bytes += line.length + 1
    // a quadratic audit passes the limit long before the last add: stop there
    if (bytes > MAX_AUDIT_BYTES) return t.fail(`after ${i} adds the audit would hold ${bytes} bytes`)
    lines.push(line)
    state = next
  }
  const auditPath = join(h.dir, 'audit.jsonl')
  writeFileSync(auditPath, lines.join('\n') + '\n')
  writeFileSync(join(h.dir, 'state.json'), JSON.stringify(state))
  t.ok(statSync(auditPath).size < MAX_AUDIT_BYTES, `the audit holds ${statSync(auditPath).size} bytes`)

  const again = await startHarness(t, {}, h.dir)
  const res = await again.admin('GET', '/v1/audit?limit=5')
  t.equal(res.status, 200)
  const newest = await res.json() as AuditEntry[]
  t.same(newest.map((entry) => entry.version), [ADDS, ADDS - 1, ADDS - 2, ADDS - 3, ADDS - 4], 'the five newest, newest first')
  t.match(newest[0]?.after, { allowlist: { added: [{ cidr: `10.${ADDS >> 8}.${ADDS & 255}.0/24` }], removed: [] } })
  const page = await (await again.admin('GET', '/v1/audit?limit=1000')).json() as AuditEntry[]
  t.equal(page.length, 1000)
  t.equal(page[999]?.version, ADDS - 999)
  t.equal((await again.admin('POST', '/v1/allowlist', { cidr: '192.0.2.0/24' })).status, 201, 'and the next add goes on from there')
  t.match((await (await again.admin('GET', '/v1/audit?limit=1')).json() as AuditEntry[])[0], { version: ADDS + 1, after: { allowlist: { added: [{ cidr: '192.0.2.0/24' }] } } })
})

t.test('an audit written before the delta, with lines longer than a read, is read newest first', async (t) => {
  const dir = tempDir(t)
  const long = (version: number): string => JSON.stringify({ version, at: '', actor: 'ops', ip: '', action: 'allowlist.add', before: { allowlist: 'x'.repeat(700_000) }, after: { allowlist: 'y'.repeat(700_001) } })
  const short = (version: number): string => JSON.stringify({ version, at: '', actor: 'ops', ip: '', action: 'close', before: { mode: 'open' }, after: { mode: 'closed' } })
  const lines = [short(0), long(1), long(2), short(3), long(4), short(5)]
  writeFileSync(join(dir, 'audit.jsonl'), lines.join('\n') + '\n')
  const store = createFileStore({ path: join(dir, 'state.json') })
  t.same((await store.readAudit(2)).map((entry) => entry.version), [5, 4])
  t.same((await store.readAudit(10)).map((entry) => entry.version), [5, 4, 3, 2, 1, 0])
  t.equal(((await store.readAudit(2))[1]?.after.allowlist as string).length, 700_001, 'a long line is read whole')
  writeFileSync(join(dir, 'audit.jsonl'), lines.join('\n') + '\n{"version":6,"at"')
  t.same((await store.readAudit(3)).map((entry) => entry.version), [5, 4, 3], 'a torn last line is passed over')
  writeFileSync(join(dir, 'audit.jsonl'), '')
  t.same(await store.readAudit(5), [], 'an empty audit')
})
