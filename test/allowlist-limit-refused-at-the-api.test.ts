import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { MAX_ALLOWLIST_ENTRIES } from '../src/state/limits.js'
import { TEST_ENV, rawConfig, startHarness, tempDir } from './helpers/harness.js'

/** `count` distinct, non-adjacent IPv4 hosts from 10.0.0.0/8. */
function hosts (count: number): Array<{ cidr: string, label: string }> {
  const entries: Array<{ cidr: string, label: string }> = []
  for (let i = 0; i < count; i++) entries.push({ cidr: `10.${(i >> 8) & 255}.${i & 255}.${2 + 2 * (i >> 16)}/32`, label: 'host' })
  return entries
}

t.test('one limit holds 100 000 static entries with room for dynamic ones', async t => {
  t.ok(MAX_ALLOWLIST_ENTRIES >= 110_000, `the limit is ${MAX_ALLOWLIST_ENTRIES}`)
})

t.test('a configuration with more static entries than the limit does not start', async t => {
  const dir = tempDir(t)
  t.throws(() => parseConfig(rawConfig(dir, 'http://127.0.0.1:9', { allowlist: hosts(MAX_ALLOWLIST_ENTRIES + 1) }), TEST_ENV), {
    code: 'GK_ERR_CONFIG',
    message: new RegExp(`allowlist: has ${MAX_ALLOWLIST_ENTRIES + 1} entries, at most ${MAX_ALLOWLIST_ENTRIES}`)
  })
})

t.test('a dynamic entry beyond the limit is refused at the API and changes nothing', async t => {
  const h = await startHarness(t, { allowlist: hosts(MAX_ALLOWLIST_ENTRIES - 1) })
  const first = await h.admin('POST', '/v1/allowlist', { cidr: '192.0.2.7/32', label: 'last seat' })
  t.equal(first.status, 201, 'the last free place is taken')
  const version = (await (await h.admin('GET', '/v1/state')).json() as { version: number }).version

  const refused = await h.admin('POST', '/v1/allowlist', { cidr: '192.0.2.8/32', label: 'one too many' })
  t.equal(refused.status, 409)
  const body = await refused.json() as { code: string, message: string }
  t.equal(body.code, 'GK_ERR_ALLOWLIST_FULL')
  t.match(body.message, new RegExp(`at most ${MAX_ALLOWLIST_ENTRIES} entries`), 'the message names the limit')

  const state = await (await h.admin('GET', '/v1/state')).json() as { version: number, allowlist: Array<{ cidr: string }> }
  t.equal(state.version, version, 'the state was not changed')
  t.same(state.allowlist.map(entry => entry.cidr), ['192.0.2.7/32'], 'only the entry that fitted is there')

  t.equal((await h.admin('DELETE', '/v1/allowlist/192.0.2.7/32')).status, 200)
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '192.0.2.8/32' })).status, 201, 'a freed place can be taken again')
})
