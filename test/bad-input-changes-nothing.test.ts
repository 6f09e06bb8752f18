import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { OPERATOR_TOKEN, VIEWER_TOKEN, get, publicUrl, startHarness } from './helpers/harness.js'

t.test('every bad admin input is refused with a clear error and the state file stays byte-for-byte the same', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  t.equal((await h.admin('POST', '/v1/tokens', { name: 'alice', ttl: '2h' })).status, 201)
  const statePath = join(h.dir, 'state.json')
  const before = readFileSync(statePath)
  const past = new Date(Date.now() - 60000).toISOString()
  const raw = (body: string): Promise<Response> => h.admin('POST', '/v1/close', body, { 'content-type': 'application/json' })

  const cases: Array<[string, () => Promise<Response>, number, RegExp]> = [
    ['malformed JSON', () => raw('{"reason": '), 400, /JSON/i],
    ['a body that is not an object', () => raw('[1,2]'), 400, /JSON object/],
    ['an unknown field', () => h.admin('POST', '/v1/close', { reasn: 'typo' }), 400, /body has an unknown field "reasn"/],
    ['an unknown mode', () => h.admin('POST', '/v1/maintenance'), 404, /no admin call/],
    ['percent above 100', () => h.admin('POST', '/v1/stage', { percent: 101 }), 400, /percent/],
    ['percent below 0', () => h.admin('POST', '/v1/stage', { percent: -1 }), 400, /percent/],
    ['percent with three decimals', () => h.admin('POST', '/v1/stage', { percent: 12.345 }), 400, /two decimals/],
    ['percent as text', () => h.admin('POST', '/v1/stage', { percent: '25' }), 400, /percent/],
    ['percent missing', () => h.admin('POST', '/v1/stage', {}), 400, /percent.*required/],
    ['an invalid CIDR', () => h.admin('POST', '/v1/allowlist', { cidr: '10.0.0.300/24' }), 400, /10\.0\.0\.300/],
    ['a CIDR with host bits set', () => h.admin('POST', '/v1/allowlist', { cidr: '10.20.1.0/16' }), 400, /host bits/],
    ['an IPv6 CIDR with host bits set', () => h.admin('POST', '/v1/allowlist', { cidr: '2001:db8::1/32' }), 400, /host bits/],
    ['an until in the past', () => h.admin('POST', '/v1/close', { until: past }), 400, /in the past/],
    ['an until without a zone', () => h.admin('POST', '/v1/close', { until: '2099-01-01T06:00:00' }), 400, /zone/],
    ['an expiresAt in the past', () => h.admin('POST', '/v1/allowlist', { cidr: '10.1.0.0/16', expiresAt: past }), 400, /in the past/],
    ['a token name reused', () => h.admin('POST', '/v1/tokens', { name: 'alice', ttl: '1h' }), 409, /already exists/],
    ['a token name with spaces', () => h.admin('POST', '/v1/tokens', { name: 'a b', ttl: '1h' }), 400, /name/],
    ['a token ttl too long', () => h.admin('POST', '/v1/tokens', { name: 'bob', ttl: '90d' }), 400, /ttl/],
    ['revoking a token that does not exist', () => h.admin('DELETE', '/v1/tokens/nobody'), 404, /no token named/],
    ['removing an entry that does not exist', () => h.admin('DELETE', '/v1/allowlist/10.9.0.0/16'), 404, /no dynamic allowlist entry/],
    ['no bearer token', () => fetch(h.gk.adminUrl + '/v1/open', { method: 'POST' }), 401, /Bearer/],
    ['a wrong bearer token', () => fetch(h.gk.adminUrl + '/v1/open', { method: 'POST', headers: { authorization: 'Bearer not-the-token' } }), 401, /not valid/],
    ['a malformed Authorization header', () => fetch(h.gk.adminUrl + '/v1/open', { method: 'POST', headers: { authorization: `Basic ${OPERATOR_TOKEN}` } }), 401, /Bearer/],
    ['a viewer token on a change', () => fetch(h.gk.adminUrl + '/v1/open', { method: 'POST', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } }), 403, /viewer/],
    ['a body over 64 KB', () => h.admin('POST', '/v1/close', { reason: 'x'.repeat(70 * 1024) }), 413, /too large|body/i],
    ['a reason over 500 characters', () => h.admin('POST', '/v1/close', { reason: 'x'.repeat(501) }), 400, /500 characters/],
    ['a stale If-Match', () => h.admin('POST', '/v1/open', undefined, { 'if-match': '"0"' }), 412, /version/],
    ['a malformed If-Match', () => h.admin('POST', '/v1/open', undefined, { 'if-match': 'yesterday' }), 400, /If-Match/],
    ['a bad ?wait=', () => h.admin('POST', '/v1/open?wait=forever'), 400, /wait/],
    ['a bad audit limit', () => h.admin('GET', '/v1/audit?limit=0'), 400, /limit/]
  ]
  for (const [name, call, status, message] of cases) {
    const res = await call()
    const body = await res.json() as { statusCode: number, code: string, error: string, message: string }
    t.equal(res.status, status, `${name}: status ${status}`)
    t.equal(body.statusCode, status, `${name}: Fastify's error shape`)
    t.type(body.code, 'string', `${name}: a code`)
    t.type(body.error, 'string', `${name}: an error`)
    t.match(body.message, message, `${name}: the message says what is wrong`)
    t.same(readFileSync(statePath), before, `${name}: the state file is unchanged`)
  }
  const audit = await (await h.admin('GET', '/v1/audit?limit=100')).json() as unknown[]
  t.equal(audit.length, 3, 'the audit holds only the init, the close and the token')
})

t.test('a spoofed X-Forwarded-For or a garbage bypass cookie changes nothing', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '127.0.0.2/32' }] })
  await h.admin('POST', '/v1/close')
  const statePath = join(h.dir, 'state.json')
  const before = readFileSync(statePath)
  const spoofed = await get(publicUrl(h, '/echo'), { from: '127.0.0.5', headers: { 'x-forwarded-for': '127.0.0.2' } })
  t.equal(spoofed.status, 503, 'an untrusted socket cannot claim an allowlisted address')
  for (const cookie of ['gk_bypass=garbage', 'gk_bypass=gkb_' + 'A'.repeat(43), 'gk_bypass=', 'gk_bypass="; gk_id=%%%', 'gk_id=' + 'x'.repeat(4096)]) {
    const res = await get(publicUrl(h, '/echo'), { from: '127.0.0.5', headers: { cookie } })
    t.equal(res.status, 503, `cookie ${cookie.slice(0, 30)}: held`)
  }
  const header = await get(publicUrl(h, '/echo'), { from: '127.0.0.5', headers: { 'x-gatekeeper-bypass': 'nonsense' } })
  t.equal(header.status, 503, 'a garbage bypass header: held')
  t.same(readFileSync(statePath), before, 'the state file is unchanged')
})
