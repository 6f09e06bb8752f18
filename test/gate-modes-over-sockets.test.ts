import t from 'tap'
import { get, publicUrl, startHarness } from './helpers/harness.js'

t.test('closed, open and read-only decide over real sockets, by source address', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '127.0.0.2/32', label: 'sysadmin' }] })
  const url = publicUrl(h, '/echo')

  const open = await get(url, { from: '127.0.0.3' })
  t.equal(open.status, 200, 'open: the public reaches the application')

  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  const held = await get(url, { from: '127.0.0.3' })
  t.equal(held.status, 503, 'closed: the public is held')
  t.match(held.headers['retry-after'], /^\d+$/)
  const sysadmin = await get(url, { from: '127.0.0.2' })
  t.equal(sysadmin.status, 200, 'closed: the allowlisted address passes')
  t.equal(JSON.parse(sysadmin.body).headers['x-forwarded-for'], '127.0.0.2', 'the upstream learns the client address')

  t.equal((await h.admin('POST', '/v1/read-only', { reason: 'Read-only while we migrate' })).status, 200)
  t.equal((await get(url, { from: '127.0.0.3' })).status, 200, 'read-only: GET passes')
  t.equal((await get(url, { from: '127.0.0.3', method: 'HEAD' })).status, 200, 'read-only: HEAD passes')
  t.equal((await get(url, { from: '127.0.0.3', method: 'POST', body: 'x' })).status, 503, 'read-only: POST is held')
  t.equal((await get(url, { from: '127.0.0.3', method: 'DELETE' })).status, 503, 'read-only: DELETE is held')
  t.equal((await get(url, { from: '127.0.0.3', method: 'PUT' })).status, 503, 'read-only: PUT is held, even without a body')
  t.equal((await get(url, { from: '127.0.0.3', method: 'PATCH' })).status, 503, 'read-only: PATCH is held, even without a body')
  t.equal((await get(url, { from: '127.0.0.2', method: 'POST', body: 'x' })).status, 200, 'read-only: the allowlist still writes')

  t.equal((await h.admin('POST', '/v1/open')).status, 200)
  t.equal((await get(url, { from: '127.0.0.3', method: 'POST', body: 'x' })).status, 200, 'open again: everything passes')
})

t.test('IPv6 clients are matched by IPv6 entries', async (t) => {
  const h = await startHarness(t, { listen: { host: '::1', port: 0 }, allowlist: [{ cidr: '::1/128' }] })
  await h.admin('POST', '/v1/close')
  const port = new URL(h.gk.publicUrl).port
  t.equal((await get(`http://[::1]:${port}/echo`, { from: '::1' })).status, 200, '::1 is allowlisted')
  await h.admin('DELETE', '/v1/allowlist/' + encodeURIComponent('::1/128'))
  t.same(h.config.allowlist.map((e) => e.cidr), ['::1/128'])
})

t.test('dynamic allowlist entries admit at once and stop at once', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/close')
  const url = publicUrl(h, '/echo')
  t.equal((await get(url, { from: '127.0.0.4' })).status, 503)
  const added = await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.0/30', label: 'testers' })
  t.equal(added.status, 201)
  t.equal((await get(url, { from: '127.0.0.2' })).status, 200, 'inside the new CIDR')
  t.equal((await get(url, { from: '127.0.0.4' })).status, 503, 'outside it')
  t.equal((await h.admin('DELETE', '/v1/allowlist/127.0.0.0/30')).status, 200)
  t.equal((await get(url, { from: '127.0.0.2' })).status, 503, 'removed: held again')
})

t.test('an allowlist entry stops admitting when it expires', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/close')
  const expiresAt = new Date(Date.now() + 1500).toISOString()
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.9/32', expiresAt })).status, 201)
  const url = publicUrl(h, '/echo')
  t.equal((await get(url, { from: '127.0.0.9' })).status, 200)
  await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 50))
  t.equal((await get(url, { from: '127.0.0.9' })).status, 503)
})
