import t from 'tap'
import { renameSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'
import { handshake, makePki, requestOver, servedSerial } from './helpers/tls-pki.js'

function redirectOf (port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => { socket.write('GET /x HTTP/1.1\r\nHost: site.test\r\nConnection: close\r\n\r\n') })
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('end', () => { resolve(/\r\nlocation: ([^\r]*)/i.exec(data)?.[1] ?? data) })
    socket.on('error', reject)
  })
}

t.test('with workers: N, every worker serves the TLS and redirect listeners and follows a renewed certificate', async (t) => {
  const dir = tempDir(t)
  const pki = makePki(dir)
  const first = pki.leaf('first', ['site.test'], { serial: 0x201 })
  const second = pki.leaf('second', ['site.test'], { serial: 0x202 })
  symlinkSync(first.cert, join(dir, 'site.crt'))
  symlinkSync(first.key, join(dir, 'site.key'))
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const gk = await startProcess(t, writeConfig(dir, rawConfig(dir, upstream.url, {
    logLevel: 'info',
    workers: 2,
    initialMode: 'closed',
    listen: [
      { host: '127.0.0.1', port: 0, tls: { certs: [{ cert: 'site.crt', key: 'site.key' }] } },
      { host: '127.0.0.1', port: 0, redirectToHttps: true }
    ]
  })), 30_000)
  t.match(gk.publicUrl, /^https:\/\//, 'the public URL is the TLS listener\'s')
  const port = Number(new URL(gk.publicUrl).port)
  t.equal([...gk.output().matchAll(/"public worker listening"/g)].length, 2, 'both workers listen')

  for (let i = 0; i < 4; i++) t.equal(await servedSerial(port, pki.ca, 'site.test'), '0201', `handshake ${i + 1} is served`)
  const conn = await handshake(port, pki.ca, 'site.test')
  t.teardown(() => conn.socket.destroy())
  t.equal((await requestOver(conn.socket, '/', 'site.test')).status, 503, 'closed: the maintenance page over TLS from a worker')

  const plainPort = redirectPort(gk.output())
  t.ok(plainPort, 'the start-up line lists the redirect listener')
  t.equal(await redirectOf(plainPort ?? 0), `https://site.test:${port}/x`, 'the redirect names the TLS listener\'s port')

  const next = join(dir, 'site.crt.next')
  symlinkSync(second.cert, next)
  renameSync(next, join(dir, 'site.crt'))
  const nextKey = join(dir, 'site.key.next')
  symlinkSync(second.key, nextKey)
  renameSync(nextKey, join(dir, 'site.key'))
  let allNew = false
  for (let i = 0; i < 60 && !allNew; i++) {
    const seen = await Promise.all([0, 1, 2, 3].map(async () => await servedSerial(port, pki.ca, 'site.test')))
    allNew = seen.every((serial) => serial === '0202')
    if (!allNew) await sleep(250)
  }
  t.ok(allNew, 'every worker serves the renewed certificate to new handshakes')
  t.equal((await requestOver(conn.socket, '/', 'site.test')).status, 503, 'the connection from before still serves')
  await gk.stop()
})

/** The plain listener's port, from the 'gatekeeper started' line's publicUrls. */
function redirectPort (output: string): number | null {
  const line = output.split('\n').find((l) => l.includes('"gatekeeper started"'))
  if (line === undefined) return null
  const urls = (JSON.parse(line) as { publicUrls?: string[] }).publicUrls
  const plain = urls?.[1]
  return plain === undefined ? null : Number(new URL(plain).port)
}
