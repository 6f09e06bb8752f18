import t from 'tap'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './helpers/harness.js'
import { startFromFile } from './helpers/reload.js'
import { handshake, makePki, requestOver, servedSerial } from './helpers/tls-pki.js'

interface AuditEntry { action: string, after?: Record<string, unknown> }

/** The status of one request from `from` over a new TLS connection. */
async function statusFrom (port: number, ca: Buffer, from: string): Promise<number> {
  const { socket } = await handshake(port, ca, 'site.test', { localAddress: from })
  try {
    return (await requestOver(socket, '/', 'site.test')).status
  } finally {
    socket.destroy()
  }
}

t.test('one bad certificate refuses the whole reload, naming its key; nothing changes', async (t) => {
  const pki = makePki(tempDir(t))
  const site = pki.leaf('site', ['site.test'], { serial: 0x201 })
  const other = pki.leaf('other', ['other.test'], { serial: 0x202 })
  const stranger = pki.leaf('stranger', ['other.test'], { serial: 0x203 })
  // the files in service, copies the test may overwrite
  const live = tempDir(t)
  const files = [site, other].map((pair, i) => {
    const cert = join(live, `${i}.crt`)
    const key = join(live, `${i}.key`)
    copyFileSync(pair.cert, cert)
    copyFileSync(pair.key, key)
    return { cert, key }
  })
  const h = await startFromFile(t, { initialMode: 'closed', listen: [{ host: '127.0.0.1', port: 0, tls: { certs: files } }] })
  const port = Number(new URL(h.gk.publicUrl).port)
  t.equal(await servedSerial(port, pki.ca, 'other.test'), '0202', 'the second certificate serves other.test')
  t.equal(await statusFrom(port, pki.ca, '127.0.0.2'), 503, 'closed to an address not listed')

  // a key that is not the certificate's, beside a good change of the allowlist
  copyFileSync(stranger.key, files[1]?.key ?? '')
  h.rewrite({ allowlist: ['127.0.0.2/32'] })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 422, 'the reload is refused')
  const body = await res.json() as { code: string, message: string }
  t.equal(body.code, 'GK_ERR_RELOAD_REFUSED')
  t.match(body.message, /listen\[0\]\.tls\.certs\[1\]\.key: /, 'the message names the key at fault')
  t.match(body.message, /is not the key of the certificate/)
  t.same(h.gk.config.allowlist, [], 'the allowlist in force is unchanged')
  t.equal(await statusFrom(port, pki.ca, '127.0.0.2'), 503, 'the old allowlist still decides')
  t.equal(await servedSerial(port, pki.ca, 'other.test'), '0202', 'the certificate in service keeps serving')
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0201', 'and so does the good one')
  const audit = await (await h.admin('GET', '/v1/audit?limit=50')).json() as AuditEntry[]
  const refused = audit.find((e) => e.action === 'reload.refused')
  t.ok(refused, 'audited as reload.refused')
  t.match(String(refused?.after?.error), /listen\[0\]\.tls\.certs\[1\]\.key/)
  t.notOk(audit.some((e) => e.action === 'reload'), 'no reload was audited')

  // the key put right: the same reload goes through
  copyFileSync(other.key, files[1]?.key ?? '')
  const ok = await h.admin('POST', '/v1/reload')
  t.equal(ok.status, 200, 'the reload goes through once the key matches')
  t.equal(await statusFrom(port, pki.ca, '127.0.0.2'), 200, 'the new allowlist admits it')
  t.equal(await servedSerial(port, pki.ca, 'other.test'), '0202')
})

t.test('a certificate replaced by a good one is swapped in by the reload', async (t) => {
  const pki = makePki(tempDir(t))
  const first = pki.leaf('first', ['site.test'], { serial: 0x301 })
  const second = pki.leaf('second', ['site.test'], { serial: 0x302 })
  const live = tempDir(t)
  const cert = join(live, 'site.crt')
  const key = join(live, 'site.key')
  copyFileSync(first.cert, cert)
  copyFileSync(first.key, key)
  const h = await startFromFile(t, { listen: [{ host: '127.0.0.1', port: 0, tls: { certs: [{ cert, key }] } }] })
  const port = Number(new URL(h.gk.publicUrl).port)
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0301')
  copyFileSync(second.key, key)
  copyFileSync(second.cert, cert)
  h.rewrite({ logLevel: 'warn' })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200)
  t.equal(await servedSerial(port, pki.ca, 'site.test'), '0302', 'new handshakes get the new certificate')
})
