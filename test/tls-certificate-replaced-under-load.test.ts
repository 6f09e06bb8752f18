import t from 'tap'
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startHarness, tempDir, type Harness } from './helpers/harness.js'
import { handshake, makePki, requestOver, servedSerial } from './helpers/tls-pki.js'
import { reloadCertificates } from '../src/public/tls/reload.js'

/** Re-points a symlink at `target` in one step, as certbot renews live/ into archive/. */
function repoint (link: string, target: string): void {
  const next = `${link}.next`
  symlinkSync(target, next)
  renameSync(next, link)
}

/** Polls (bounded: 15 s, well past the 2 s polling) until a new handshake is served `serial`. */
async function servedWithin (port: number, ca: Buffer, serial: string): Promise<boolean> {
  for (let i = 0; i < 75; i++) {
    if (await servedSerial(port, ca, 'site.test') === serial) return true
    await sleep(200)
  }
  return false
}

/** Polls (bounded) until the audit holds a refusal mentioning `text`. */
async function refusedWithin (h: Harness, text: string): Promise<boolean> {
  for (let i = 0; i < 75; i++) {
    const audit = await (await h.admin('GET', '/v1/audit?limit=50')).text()
    if (audit.includes('tls.certificate-refused') && audit.includes(text)) return true
    await sleep(200)
  }
  return false
}

t.test('a certificate replaced on disk serves new handshakes; open connections keep working; a bad one is refused', async (t) => {
  const dir = tempDir(t)
  const pki = makePki(dir)
  const first = pki.leaf('first', ['site.test'], { serial: 0x101 })
  const second = pki.leaf('second', ['site.test'], { serial: 0x102 })
  const third = pki.leaf('third', ['site.test'], { serial: 0x103 })
  const expired = pki.leaf('expired', ['site.test'], { serial: 0x1EE, days: -1 })
  const other = pki.leaf('other', ['other.test'], { serial: 0x1FF })
  mkdirSync(join(dir, 'live'))
  const cert = join(dir, 'live', 'site.crt')
  const key = join(dir, 'live', 'site.key')
  symlinkSync(first.cert, cert)
  symlinkSync(first.key, key)
  const h = await startHarness(t, { listen: [{ host: '127.0.0.1', port: 0, tls: { certs: [{ cert, key }] } }] }, dir)
  const port = Number(new URL(h.gk.publicUrl).port)
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0101', 'the first certificate serves')

  const kept = await handshake(port, pki.ca, 'site.test')
  t.teardown(() => kept.socket.destroy())
  t.equal((await requestOver(kept.socket, '/echo', 'site.test')).status, 200, 'a keep-alive connection opened before the swap')

  // requests keep going over the old connection while the files change
  const running = { stop: false }
  let served = 0
  let failed = 0
  const load = (async () => {
    for (let i = 0; i < 2000 && !running.stop; i++) {
      const answer = await requestOver(kept.socket, '/echo', 'site.test').catch(() => null)
      if (answer?.status === 200) served++
      else failed++
      await sleep(5)
    }
  })()
  repoint(cert, second.cert)
  repoint(key, second.key)
  t.ok(await servedWithin(port, pki.ca, '0102'), 'new handshakes get the renewed certificate within the polling window')
  running.stop = true
  await load
  t.ok(served > 0, `the old connection kept serving during the swap (${served} requests)`)
  t.equal(failed, 0, 'no request on the old connection failed')
  t.equal(kept.socket.getPeerCertificate().serialNumber.toUpperCase(), '0101', 'the old connection keeps its certificate')
  t.equal((await requestOver(kept.socket, '/echo', 'site.test')).status, 200, 'and still serves after the swap')

  repoint(cert, third.cert)
  t.ok(await refusedWithin(h, 'is not the key of the certificate'), 'a certificate whose key does not match is refused, in the audit')
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0102', 'the old certificate keeps serving')

  repoint(cert, expired.cert)
  repoint(key, expired.key)
  t.ok(await refusedWithin(h, 'expired'), 'an expired certificate is refused')
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0102', 'the old certificate keeps serving')

  const garbage = join(dir, 'garbage.crt')
  writeFileSync(garbage, 'this is not a certificate\n')
  repoint(cert, garbage)
  repoint(key, second.key)
  t.ok(await refusedWithin(h, 'is not a PEM certificate'), 'garbage is refused')
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0102', 'the old certificate keeps serving')

  repoint(cert, other.cert)
  repoint(key, other.key)
  t.ok(await refusedWithin(h, 'no longer names site.test'), 'a certificate that drops a name in service is refused')
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0102', 'the old certificate keeps serving')

  // reloadCertificates(): at once, without waiting for the poll
  repoint(cert, third.cert)
  repoint(key, third.key)
  const outcomes = reloadCertificates()
  t.match(outcomes, [{ outcome: 'reloaded', serial: '0103' }], 'reloadCertificates() reads the files now, after refusals too')
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0103', 'the next handshake gets it')
  t.equal(await servedSerial(port, pki.ca, undefined), '0103', 'and so does one without SNI (the listener\'s default certificate)')
  t.equal((await requestOver(kept.socket, '/echo', 'site.test')).status, 200, 'the connection from before every swap still serves')
})
