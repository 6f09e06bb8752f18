import t from 'tap'
import { connect } from 'node:net'
import { startHarness, tempDir } from './helpers/harness.js'
import { makePki } from './helpers/tls-pki.js'
import { httpsRedirect } from '../src/public/https-redirect.js'

/** One request written byte for byte on a new connection; resolves with the status and the Location header. */
function raw (port: number, lines: string): Promise<{ status: number, location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.write(lines) })
    let data = ''
    socket.setTimeout(10_000, () => { socket.destroy(new Error('no answer')) })
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1')
      if (!data.includes('\r\n\r\n')) return
      socket.destroy()
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), location: /\r\nlocation: *([^\r]*)/i.exec(data)?.[1] })
    })
    socket.on('error', reject)
    socket.on('end', () => { resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), location: undefined }) })
  })
}

const get = (port: number, target: string, host: string | null): ReturnType<typeof raw> =>
  raw(port, `GET ${target} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`)

t.test('a redirectToHttps listener sends every request to https, but the status path and ACME challenges', async (t) => {
  const dir = tempDir(t)
  const pki = makePki(dir)
  const site = pki.leaf('site', ['site.test'])
  const h = await startHarness(t, {
    listen: [
      { host: '127.0.0.1', port: 0, tls: { certs: [site] } },
      { host: '127.0.0.1', port: 0, redirectToHttps: true }
    ]
  }, dir)
  const [tlsUrl, plainUrl] = h.gk.publicUrls
  const tlsPort = Number(new URL(tlsUrl ?? '').port)
  const port = Number(new URL(plainUrl ?? '').port)
  t.match(plainUrl, /^http:\/\//, 'the second listener is plain')

  let r = await get(port, '/shop/cart?item=12&x=%2F', 'site.test')
  t.equal(r.status, 308, 'a page: 308')
  t.equal(r.location, `https://site.test:${tlsPort}/shop/cart?item=12&x=%2F`, 'to the same target on the TLS listener\'s port (not 443)')
  r = await get(port, '/', 'Site.Test:80')
  t.equal(r.location, `https://site.test:${tlsPort}/`, 'the Host\'s port is dropped')
  r = await get(port, '/a', '[::1]:8080')
  t.equal(r.location, `https://[::1]:${tlsPort}/a`, 'an IPv6 literal keeps its brackets')
  r = await get(port, '/a', '192.0.2.7')
  t.equal(r.location, `https://192.0.2.7:${tlsPort}/a`, 'an IPv4 literal')
  r = await raw(port, 'POST /form HTTP/1.1\r\nHost: site.test\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc')
  t.equal(r.status, 308, 'a POST: 308 keeps the method')

  for (const bad of ['evil.test/x', 'evil.test:80:81', 'evil.test:abc', 'user@evil.test', 'evil.test\\x', '[::1', '[nothost]:80', '-bad-.test']) {
    r = await get(port, '/', bad)
    t.equal(r.status, 400, `Host ${JSON.stringify(bad)}: 400`)
    t.equal(r.location, undefined, `Host ${JSON.stringify(bad)}: no Location`)
  }
  r = await get(port, '/', null)
  t.equal(r.status, 400, 'no Host: 400')
  r = await get(port, 'http://evil.test/', 'site.test')
  t.equal(r.status, 400, 'an absolute target is not redirected')
  t.equal(r.location, undefined, 'an absolute target: no Location')

  r = await get(port, '/__gatekeeper/status', 'site.test')
  t.equal(r.status, 200, 'the status path is served on the plain listener')
  t.equal(r.location, undefined, 'the status path is not redirected')
  r = await get(port, '/.well-known/acme-challenge/token-123', 'site.test')
  t.equal(r.status, 200, 'an ACME challenge reaches the application through the gate')
  t.equal(r.location, undefined, 'an ACME challenge is not redirected')

  t.equal((await h.admin('POST', '/v1/close?wait=applied&timeout=5', { reason: 'upgrade' })).status, 200, 'closed')
  r = await get(port, '/.well-known/acme-challenge/token-123', 'site.test')
  t.equal(r.status, 503, 'closed: an ACME challenge meets the gate like any request (allow it with alwaysAllow.paths)')
  r = await get(port, '/shop', 'site.test')
  t.equal(r.status, 308, 'closed: pages still redirect to https')
})

t.test('the Location rule itself', async (t) => {
  t.same(httpsRedirect('site.test', '/x', 443), { kind: 'redirect', location: 'https://site.test/x' }, 'port 443 is left out')
  t.same(httpsRedirect('site.test:8080', '/x?y', 8443), { kind: 'redirect', location: 'https://site.test:8443/x?y' }, 'another port is written')
  t.same(httpsRedirect('site.test', '/__gatekeeper/status?x=1', 443), { kind: 'serve' }, 'status with a query is served')
  t.same(httpsRedirect('site.test', '/.well-known/acme-challenge/', 443), { kind: 'serve' }, 'the ACME prefix is served')
  t.equal(httpsRedirect('site.test', '/.well-known/acme-challengeX', 443).kind, 'redirect', 'only the ACME directory is served')
  t.equal(httpsRedirect(undefined, '/', 443).kind, 'bad-request', 'no Host')
})
