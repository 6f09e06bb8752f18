import { Agent, request } from 'node:http'
import type { Socket } from 'node:net'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, rawConfig, tempDir } from './helpers/harness.js'
import { freePort } from './helpers/ports.js'
import { startProcess, writeConfig } from './helpers/process.js'
import { handshake, makePki, requestOver, servedSerial } from './helpers/tls-pki.js'

function getOver (agent: Agent, port: number, path: string): Promise<{ status: number, location: string | undefined, socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host: 'site.test' }, timeout: 20_000 }, (res) => {
      res.resume()
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, location: res.headers.location, socket: req.socket as Socket }) })
    })
    req.on('timeout', () => { req.destroy(new Error('no answer within 20 s')) })
    req.on('error', reject)
    req.end()
  })
}

t.test('with workers: 2, a kept listener takes new certificates and a redirect in place in every worker: its connections stay', async (t) => {
  const dir = tempDir(t)
  const pki = makePki(dir)
  const a = pki.leaf('a', ['a.test'], { serial: 0xA1 })
  const b = pki.leaf('b', ['a.test', 'b.test'], { serial: 0xB2 })
  const tlsPort = await freePort()
  const plainPort = await freePort()
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, {
    workers: 2,
    initialMode: 'open',
    logLevel: 'info',
    listen: [{ host: '127.0.0.1', port: tlsPort, tls: { certs: [a] } }, { host: '127.0.0.1', port: plainPort }]
  })
  const path = writeConfig(dir, raw)
  const gk = await startProcess(t, path, 60_000)
  const kept = await handshake(tlsPort, pki.ca, 'a.test')
  t.teardown(() => kept.socket.destroy())
  t.equal(kept.peer.serialNumber.toUpperCase(), 'A1')
  t.equal((await requestOver(kept.socket, '/', 'a.test')).status, 200)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => { agent.destroy() })
  const plain = await getOver(agent, plainPort, '/page?x=1')
  t.equal(plain.status, 200, 'the plain listener serves before')

  writeConfig(dir, { ...raw, listen: [{ host: '127.0.0.1', port: tlsPort, tls: { certs: [b] } }, { host: '127.0.0.1', port: plainPort, redirectToHttps: true }] })
  const res = await adminClient(gk.adminUrl)('POST', '/v1/reload')
  t.equal(res.status, 200, 'the reload is applied')
  t.same(((await res.json()) as { changed: string[] }).changed, ['listen'])

  // new connections, so that each worker takes some
  const serials = new Set<string>()
  for (let i = 0; i < 8; i++) serials.add(await servedSerial(tlsPort, pki.ca, 'b.test'))
  t.same([...serials], ['B2'], 'every new handshake gets the new certificate')
  const redirects = new Set<string>()
  for (let i = 0; i < 8; i++) {
    const answer = await getOver(new Agent(), plainPort, '/page?x=1')
    redirects.add(`${answer.status} ${answer.location ?? ''}`)
  }
  t.same([...redirects], [`308 https://site.test:${tlsPort}/page?x=1`], 'every new connection to the plain listener is redirected')

  t.equal((await requestOver(kept.socket, '/again', 'a.test')).status, 200, 'the TLS connection opened before still serves')
  const redirected = await getOver(agent, plainPort, '/page?x=1')
  t.equal(redirected.socket, plain.socket, 'the plain keep-alive connection opened before is still the one used')
  t.equal(redirected.status, 308, 'and it is redirected now')
  t.notMatch(gk.output(), /public worker exited/, 'no worker was lost')
})

t.test('with workers: 2, a plain listener that becomes TLS at the same address speaks TLS in every worker', async (t) => {
  const dir = tempDir(t)
  const pki = makePki(dir)
  const a = pki.leaf('a', ['a.test'], { serial: 0xA1 })
  const port = await freePort()
  const other = await freePort()
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, { workers: 2, initialMode: 'open', logLevel: 'info', listen: [{ host: '127.0.0.1', port: other }, { host: '127.0.0.1', port }] })
  const gk = await startProcess(t, writeConfig(dir, raw), 60_000)
  t.equal((await getOver(new Agent(), port, '/')).status, 200, 'plain before')

  writeConfig(dir, { ...raw, listen: [{ host: '127.0.0.1', port: other }, { host: '127.0.0.1', port, tls: { certs: [a] } }] })
  t.equal((await adminClient(gk.adminUrl)('POST', '/v1/reload')).status, 200, 'the reload is applied')
  const serials = new Set<string>()
  for (let i = 0; i < 8; i++) serials.add(await servedSerial(port, pki.ca, 'a.test'))
  t.same([...serials], ['A1'], 'every new connection speaks TLS')
  t.equal((await getOver(new Agent(), other, '/')).status, 200, 'the other listener still serves')
  t.notMatch(gk.output(), /public worker exited/, 'no worker was lost')
})
