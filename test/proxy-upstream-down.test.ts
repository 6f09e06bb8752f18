import { connect } from 'node:net'
import t from 'tap'
import { get, publicUrl, startHarness } from './helpers/harness.js'

t.test('an upstream that is down gives a clear 502 page, not a stack trace nor a maintenance 503', async (t) => {
  const h = await startHarness(t)
  await h.upstream.close()
  const html = await get(publicUrl(h, '/'), { headers: { accept: 'text/html' } })
  t.equal(html.status, 502)
  t.match(html.body, /not answering/)
  t.notMatch(html.body, /at .*\.js:\d+|ECONNREFUSED|stack/i, 'no internals')
  const json = await get(publicUrl(h, '/'), { headers: { accept: 'application/json' } })
  t.equal(json.status, 502)
  t.equal(JSON.parse(json.body).code, 'GK_UPSTREAM_UNAVAILABLE')
})

t.test('an absolute-form request target never makes Gatekeeper a forward proxy', async (t) => {
  const h = await startHarness(t)
  const { port } = new URL(h.gk.publicUrl)
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write('GET http://example.invalid/echo HTTP/1.1\r\nHost: example.invalid\r\nConnection: close\r\n\r\n')
    })
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('end', () => resolve(data))
    socket.on('error', reject)
  })
  t.match(answer, /^HTTP\/1\.1 400/, 'refused with 400')
  t.match(answer, /not a forward proxy/)
})

t.test('X-Forwarded-* are set for the upstream; hop-by-hop headers do not cross', async (t) => {
  const h = await startHarness(t)
  const res = await get(publicUrl(h, '/echo?x=1'), {
    from: '127.0.0.6',
    headers: { host: 'www.example.test', 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.test', connection: 'keep-alive, x-secret-hop', 'x-secret-hop': 'drop me', 'keep-alive': 'timeout=5' }
  })
  const seen = JSON.parse(res.body) as { url: string, headers: Record<string, string> }
  t.equal(seen.url, '/echo?x=1')
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.6', 'a client cannot inject addresses')
  t.equal(seen.headers['x-forwarded-proto'], 'http')
  t.equal(seen.headers['x-forwarded-host'], 'www.example.test')
  t.notOk(seen.headers['x-secret-hop'], 'a header named in Connection is hop-by-hop')
  t.notOk(seen.headers['keep-alive'], 'keep-alive is hop-by-hop')
  t.not(res.headers['keep-alive'], 'timeout=5', 'the upstream\'s keep-alive terms do not reach the client')
  const closing = await get(publicUrl(h, '/echo'), { headers: { connection: 'close' } })
  t.equal(closing.headers.connection, 'close', 'a client asking to close gets its connection closed')
})

t.test('behind a trusted proxy, the forwarded client address decides and is kept in the chain', async (t) => {
  const h = await startHarness(t, { trustedProxies: ['127.0.0.10/32'], allowlist: [{ cidr: '192.0.2.7/32' }] })
  await h.admin('POST', '/v1/close')
  const viaProxy = await get(publicUrl(h, '/echo'), { from: '127.0.0.10', headers: { 'x-forwarded-for': '198.51.100.1, 192.0.2.7', 'x-forwarded-proto': 'https' } })
  t.equal(viaProxy.status, 200, 'the right-most untrusted address is the client, and it is allowlisted')
  const seen = JSON.parse(viaProxy.body) as { headers: Record<string, string> }
  t.equal(seen.headers['x-forwarded-for'], '198.51.100.1, 192.0.2.7, 127.0.0.10')
  t.equal(seen.headers['x-forwarded-proto'], 'https', 'a trusted proxy\'s proto is kept')
  const spoof = await get(publicUrl(h, '/echo'), { from: '127.0.0.11', headers: { 'x-forwarded-for': '192.0.2.7' } })
  t.equal(spoof.status, 503, 'the same header from an untrusted address changes nothing')
  const unknown = await get(publicUrl(h, '/echo'), { from: '127.0.0.10', headers: { 'x-forwarded-for': '192.0.2.7, garbage' } })
  t.equal(unknown.status, 503, 'garbage recorded by a proxy admits nobody')
})
