import { Agent, request } from 'node:http'
import type { Socket } from 'node:net'
import t from 'tap'
import { tempDir } from './helpers/harness.js'
import { startFromFile } from './helpers/reload.js'
import { handshake, makePki, requestOver, servedSerial } from './helpers/tls-pki.js'
import { freePort } from './helpers/ports.js'

function getOver (agent: Agent, port: number, path: string): Promise<{ status: number, location: string | undefined, reused: boolean, socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host: 'site.test' } }, (res) => {
      res.resume()
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, location: res.headers.location, reused: req.reusedSocket, socket: req.socket as Socket }) })
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('a listener that keeps its address takes new certificates and a redirect in place: its connections stay', async (t) => {
  const pki = makePki(tempDir(t))
  const a = pki.leaf('a', ['a.test'], { serial: 0xA1 })
  const b = pki.leaf('b', ['a.test', 'b.test'], { serial: 0xB2 })
  const tlsPort = await freePort()
  const plainPort = await freePort()
  const h = await startFromFile(t, {
    initialMode: 'open',
    listen: [{ host: '127.0.0.1', port: tlsPort, tls: { certs: [a] } }, { host: '127.0.0.1', port: plainPort }]
  })
  const kept = await handshake(tlsPort, pki.ca, 'a.test')
  t.teardown(() => kept.socket.destroy())
  t.equal(kept.peer.serialNumber.toUpperCase(), 'A1')
  t.equal((await requestOver(kept.socket, '/', 'a.test')).status, 200)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => { agent.destroy() })
  const plain = await getOver(agent, plainPort, '/page?x=1')
  t.equal(plain.status, 200, 'the plain listener serves before')

  h.rewrite({ listen: [{ host: '127.0.0.1', port: tlsPort, tls: { certs: [b] } }, { host: '127.0.0.1', port: plainPort, redirectToHttps: true }] })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200, 'the reload is applied')
  t.same(((await res.json()) as { changed: string[] }).changed, ['listen'])

  t.equal(await servedSerial(tlsPort, pki.ca, 'b.test'), 'B2', 'a new handshake gets the new certificate')
  t.equal(await servedSerial(tlsPort, pki.ca, undefined), 'B2', 'also without SNI')
  t.equal((await requestOver(kept.socket, '/again', 'a.test')).status, 200, 'the TLS connection opened before still serves')

  const redirected = await getOver(agent, plainPort, '/page?x=1')
  t.ok(redirected.reused, 'the plain keep-alive connection opened before is still the one used')
  t.equal(redirected.socket, plain.socket)
  t.equal(redirected.status, 308, 'and the listener now redirects')
  t.equal(redirected.location, `https://site.test:${tlsPort}/page?x=1`)
})

t.test('a plain listener that becomes TLS at the same address is rebound: its request in flight finishes, then it speaks TLS', async (t) => {
  const pki = makePki(tempDir(t))
  const a = pki.leaf('a', ['a.test'], { serial: 0xA1 })
  const port = await freePort()
  const kept = await freePort()
  const h = await startFromFile(t, { initialMode: 'open', listen: [{ host: '127.0.0.1', port: kept }, { host: '127.0.0.1', port }] })
  const slow = getOver(new Agent(), port, '/slow?ms=1000')
  h.rewrite({ listen: [{ host: '127.0.0.1', port: kept }, { host: '127.0.0.1', port, tls: { certs: [a] } }] })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200, 'the reload is applied')
  t.equal((await slow).status, 200, 'the plain request in flight finished')
  const secure = await handshake(port, pki.ca, 'a.test')
  t.teardown(() => secure.socket.destroy())
  t.equal(secure.peer.serialNumber.toUpperCase(), 'A1', 'the address now speaks TLS')
  t.equal((await requestOver(secure.socket, '/', 'a.test')).status, 200)
  t.equal((await getOver(new Agent(), kept, '/')).status, 200, 'the other listener serves')
})
