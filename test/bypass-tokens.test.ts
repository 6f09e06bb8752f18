import t from 'tap'
import { get, publicUrl, startHarness } from './helpers/harness.js'

t.test('a bypass link sets an HttpOnly cookie that lets a tester through; revoking stops it at once', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/close', { reason: 'Upgrading' })
  const created = await h.admin('POST', '/v1/tokens', { name: 'sandra', ttl: '8h' })
  t.equal(created.status, 201)
  const { token, link, expiresAt } = await created.json() as { token: string, link: string, expiresAt: string }
  t.match(token, /^gkb_[A-Za-z0-9_-]{43}$/)
  t.equal(link, `/__gatekeeper/bypass/${token}`)

  const listed = await (await h.admin('GET', '/v1/tokens')).text()
  t.notMatch(listed, token, 'the secret is never listed')
  t.notMatch(await (await h.admin('GET', '/v1/state')).text(), /sha256|seed/, 'the state shows no hashes nor the seed')

  const visit = await get(publicUrl(h, link), { from: '127.0.0.7' })
  t.equal(visit.status, 303, 'the link redirects')
  t.equal(visit.headers.location, '/')
  const setCookie = String(visit.headers['set-cookie'])
  t.match(setCookie, `gk_bypass=${token}`)
  t.match(setCookie, /HttpOnly/)
  t.match(setCookie, /SameSite=Lax/)
  t.match(setCookie, new Date(expiresAt).toUTCString(), 'the cookie expires with the token')

  const cookie = `gk_bypass=${token}`
  const through = await get(publicUrl(h, '/echo'), { from: '127.0.0.7', headers: { cookie: `${cookie}; other=1` } })
  t.equal(through.status, 200, 'the cookie passes the gate')
  const seen = JSON.parse(through.body) as { headers: Record<string, string> }
  t.equal(seen.headers.cookie, 'other=1', 'the bypass cookie never reaches the application')
  const byHeader = await get(publicUrl(h, '/echo'), { from: '127.0.0.8', headers: { 'x-gatekeeper-bypass': token } })
  t.equal(byHeader.status, 200, 'the header passes the gate')
  t.notOk((JSON.parse(byHeader.body) as { headers: Record<string, string> }).headers['x-gatekeeper-bypass'], 'the header never reaches the application')

  t.equal((await h.admin('DELETE', '/v1/tokens/sandra')).status, 200)
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.7', headers: { cookie } })).status, 503, 'revoked: held at once')
  t.equal((await get(publicUrl(h, link), { from: '127.0.0.7' })).status, 403, 'revoked: the link is refused')
  t.notOk((await get(publicUrl(h, link), { from: '127.0.0.7' })).headers['set-cookie'], 'and sets no cookie')
})

t.test('an expired token stops working by itself', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/close')
  const { token } = await (await h.admin('POST', '/v1/tokens', { name: 'short', ttl: 60 })).json() as { token: string }
  t.equal((await get(publicUrl(h, '/echo'), { headers: { 'x-gatekeeper-bypass': token }, from: '127.0.0.3' })).status, 200)
  // move the token's expiry into the past through the store, as time passing would
  await h.gk.store.update({ actor: 'test', ip: '', action: 'age' }, (s) => ({ ...s, tokens: s.tokens.map((tk) => ({ ...tk, expiresAt: new Date(Date.now() - 1000).toISOString() })) }))
  t.equal((await get(publicUrl(h, '/echo'), { headers: { 'x-gatekeeper-bypass': token }, from: '127.0.0.3' })).status, 503)
  const list = await (await h.admin('GET', '/v1/tokens')).json() as Array<{ expired: boolean }>
  t.equal(list[0]?.expired, true, 'listed as expired')
  t.equal((await h.admin('POST', '/v1/tokens', { name: 'short', ttl: '1h' })).status, 201, 'an expired name can be reused')
})

t.test('a bypass token is irrelevant when open and harmless when unknown', async (t) => {
  const h = await startHarness(t)
  t.equal((await get(publicUrl(h, '/__gatekeeper/bypass/not-a-token'))).status, 403)
  t.equal((await get(publicUrl(h, '/__gatekeeper/nothing-here'))).status, 404, 'Gatekeeper paths are never proxied')
})
