import t from 'tap'
import { startHarness, tempDir } from './helpers/harness.js'
import { handshake, makePki, requestOver, servedSerial } from './helpers/tls-pki.js'

t.test('a TLS listener serves the certificate SNI names, the first without SNI, TLS 1.2+ only, through the one gate', async (t) => {
  const dir = tempDir(t)
  const pki = makePki(dir)
  const a = pki.leaf('a', ['a.test'], { serial: 0xA1 })
  const b = pki.leaf('b', ['b.test', '*.b.test'], { serial: 0xB2 })
  const h = await startHarness(t, {
    listen: [{ host: '127.0.0.1', port: 0, tls: { certs: [a, b] } }],
    allowlist: ['127.0.0.2/32'],
    initialMode: 'closed'
  }, dir)
  t.match(h.gk.publicUrl, /^https:\/\/127\.0\.0\.1:\d+$/, 'the public URL is https://')
  const port = Number(new URL(h.gk.publicUrl).port)

  t.equal(await servedSerial(port, pki.ca, 'a.test'), 'A1', 'a.test gets its certificate')
  t.equal(await servedSerial(port, pki.ca, 'b.test'), 'B2', 'b.test gets its certificate')
  t.equal(await servedSerial(port, pki.ca, 'www.b.test'), 'B2', 'a wildcard name matches one label')
  t.equal(await servedSerial(port, pki.ca, 'x.www.b.test'), 'A1', 'a wildcard does not match two labels: the first certificate serves')
  t.equal(await servedSerial(port, pki.ca, undefined), 'A1', 'no SNI: the first certificate')
  t.equal(await servedSerial(port, pki.ca, 'unknown.test'), 'A1', 'an unknown name: the first certificate')

  // the client is made willing to speak TLS 1.1, so only the server can refuse it
  const old = await handshake(port, pki.ca, 'a.test', { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }).then(
    (ok) => { ok.socket.destroy(); return null },
    (err: NodeJS.ErrnoException) => err)
  t.ok(old !== null, 'TLS 1.1 is refused')
  t.match(old?.code ?? '', /ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/, `the server refuses the version (${old?.code ?? ''})`)
  const weak = await handshake(port, pki.ca, 'a.test', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }).then(
    (ok) => { ok.socket.destroy(); return null },
    (err: NodeJS.ErrnoException) => err)
  t.ok(weak !== null, 'TLS 1.2 without ECDHE is refused')
  const tls12 = await handshake(port, pki.ca, 'a.test', { maxVersion: 'TLSv1.2' })
  t.equal(tls12.protocol, 'TLSv1.2', 'TLS 1.2 with a modern cipher is served')
  tls12.socket.destroy()

  const closed = await handshake(port, pki.ca, 'a.test')
  t.teardown(() => closed.socket.destroy())
  const page = await requestOver(closed.socket, '/', 'a.test')
  t.equal(page.status, 503, 'closed: the maintenance page, over TLS')

  const tester = await handshake(port, pki.ca, 'b.test', { localAddress: '127.0.0.2' })
  t.teardown(() => tester.socket.destroy())
  const passed = await requestOver(tester.socket, '/echo', 'b.test', { 'x-forwarded-proto': 'http' })
  t.equal(passed.status, 200, 'an allowlisted tester reaches the application')
  const seen = JSON.parse(passed.body) as { headers: Record<string, string> }
  t.equal(seen.headers['x-forwarded-proto'], 'https', 'the application hears the request came over https (the client\'s own header is replaced)')
  const again = await requestOver(tester.socket, '/again', 'b.test')
  t.equal(again.status, 200, 'the same kept-alive TLS connection serves a second request')
})
