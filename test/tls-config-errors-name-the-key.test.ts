import t from 'tap'
import { chmodSync, mkdirSync, renameSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { get, rawConfig, tempDir } from './helpers/harness.js'
import { runToExit, startProcess, writeConfig } from './helpers/process.js'
import { makePki, servedSerial } from './helpers/tls-pki.js'

/** The PKI in `dir`/tls, its files named relative to the config file's directory. */
function pkiIn (dir: string) {
  const tlsDir = join(dir, 'tls')
  mkdirSync(tlsDir)
  const pki = makePki(tlsDir)
  pki.leaf('a', ['a.test'], { serial: 0xA })
  pki.leaf('b', ['b.test'], { serial: 0xB })
  pki.leaf('old', ['a.test'], { days: -1 })
  for (const name of ['a', 'b', 'old']) chmodSync(join(tlsDir, `${name}.key`), 0o600)
  return pki
}

const tlsListener = (certs: Array<{ cert: string, key: string }>): Record<string, unknown> => ({ host: '127.0.0.1', port: 0, tls: { certs } })

t.test('a certificate that cannot serve stops start-up with one line naming its key', async (t) => {
  const dir = tempDir(t)
  pkiIn(dir)
  const a = { cert: 'tls/a.crt', key: 'tls/a.key' }
  const cases: Array<[string, unknown, RegExp]> = [
    ['a missing key file', [tlsListener([a, { cert: 'tls/b.crt', key: 'tls/missing.key' }])], /listen\[0\]\.tls\.certs\[1\]\.key: cannot read \S*\/tls\/missing\.key: ENOENT/],
    ['a missing certificate', [{ host: '127.0.0.1', port: 0 }, tlsListener([{ cert: 'tls/none.crt', key: 'tls/a.key' }])], /listen\[1\]\.tls\.certs\[0\]\.cert: cannot read \S*\/tls\/none\.crt: ENOENT/],
    ['a key that is not the certificate\'s', [tlsListener([{ cert: 'tls/a.crt', key: 'tls/b.key' }])], /listen\[0\]\.tls\.certs\[0\]\.key: \S*\/tls\/b\.key is not the key of the certificate \S*\/tls\/a\.crt/],
    ['an expired certificate', [tlsListener([a, { cert: 'tls/old.crt', key: 'tls/old.key' }])], /listen\[0\]\.tls\.certs\[1\]\.cert: \S*\/tls\/old\.crt expired on/],
    ['a key file as certificate', [tlsListener([{ cert: 'tls/a.key', key: 'tls/a.key' }])], /listen\[0\]\.tls\.certs\[0\]\.cert: \S*\/tls\/a\.key is not a PEM certificate/],
    ['the single-mapping form', { host: '127.0.0.1', port: 0, tls: { certs: [{ cert: 'tls/a.crt', key: 'tls/nope.key' }] } }, /listen\.tls\.certs\[0\]\.key: cannot read/],
    ['no certificates', [tlsListener([])], /listen\[0\]\.tls\.certs: needs at least one/],
    ['a redirect with nowhere to go', [{ host: '127.0.0.1', port: 0, redirectToHttps: true }], /listen\[0\]\.redirectToHttps: needs a listener with tls/],
    ['a TLS listener that redirects', [{ ...tlsListener([a]), redirectToHttps: true }], /listen\[0\]\.redirectToHttps: only a plain listener/],
    ['an unknown key', [{ host: '127.0.0.1', port: 0, tsl: {} }], /listen\[0\]\.tsl: is not a known setting/]
  ]
  for (const [name, listen, message] of cases) {
    const configPath = writeConfig(dir, rawConfig(dir, 'http://127.0.0.1:9', { listen }))
    const { code, output } = await runToExit(configPath)
    t.equal(code, 1, `${name}: exits 1`)
    t.match(output, message, `${name}: names the key and says why`)
    t.equal(output.trim().split('\n').length, 1, `${name}: in one line`)
  }
  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => busy.close())
  const busyPort = (busy.address() as AddressInfo).port
  const inUse = await runToExit(writeConfig(dir, rawConfig(dir, 'http://127.0.0.1:9', { listen: [tlsListener([a]), { host: '127.0.0.1', port: busyPort, redirectToHttps: true }] })))
  t.match(inUse.output, `listen[1].port: 127.0.0.1:${busyPort} is already in use`, 'a second listener\'s port in use is named by its key')
})

t.test('the old `listen: {host, port}` still serves plain HTTP; a TLS listener warns of a key others can read', async (t) => {
  const dir = tempDir(t)
  const pki = pkiIn(dir)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())

  const plain = await startProcess(t, writeConfig(dir, rawConfig(dir, upstream.url, { logLevel: 'info', listen: { host: '127.0.0.1', port: 0 } }), 'plain.yaml'))
  t.match(plain.publicUrl, /^http:\/\/127\.0\.0\.1:\d+$/, 'one plain listener')
  t.equal((await get(plain.publicUrl + '/echo')).status, 200, 'serving as before')
  await plain.stop()

  chmodSync(join(dir, 'tls', 'b.key'), 0o644)
  const withTls = writeConfig(dir, rawConfig(dir, upstream.url, {
    logLevel: 'info',
    listen: [tlsListener([{ cert: 'tls/a.crt', key: 'tls/a.key' }, { cert: 'tls/b.crt', key: 'tls/b.key' }]), { host: '127.0.0.1', port: 0, redirectToHttps: true }]
  }), 'tls.yaml')
  const served = await startProcess(t, withTls)
  t.match(served.publicUrl, /^https:\/\//, 'the public URL is the TLS listener\'s')
  const port = Number(new URL(served.publicUrl).port)
  t.equal(await servedSerial(port, pki.ca, 'b.test'), '0B', 'paths relative to the config file\'s directory')
  const warning = served.output().split('\n').find((line) => line.includes('readable by group or others'))
  t.ok(warning, 'a key readable by others is warned of')
  t.match(warning, join(dir, 'tls', 'b.key'), 'the warning names the file')
  t.notMatch(served.output(), /a\.key is readable/, 'a key only its owner reads is not')
  await served.stop()
  // a key gone missing later is no start-up matter of the running process; it is at the next start
  renameSync(join(dir, 'tls', 'b.key'), join(dir, 'tls', 'b.key.gone'))
  t.match((await runToExit(withTls)).output, /listen\[0\]\.tls\.certs\[1\]\.key: cannot read/, 'and the next start names the key')
})
