import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { rawConfig, startHarness, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'

const HEADERS_TIMEOUT_MS = 1000
/** a failure bound, not a timing assertion: the timeout, plus room for a loaded machine */
const CLOSED_WITHIN_MS = HEADERS_TIMEOUT_MS + 5000

const limits = { limits: { headersTimeoutMs: HEADERS_TIMEOUT_MS } }

/**
 * Connects from `from`, sends `sent` (maybe nothing) and waits for the
 * other side to close; resolves with whether it did within the bound.
 */
function closedByServer (url: string, sent: string, from = '127.0.0.2'): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), localAddress: from })
    const bound = setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, CLOSED_WITHIN_MS)
    socket.on('error', () => {})
    socket.on('data', () => {})
    socket.once('connect', () => { if (sent !== '') socket.write(sent) })
    socket.once('close', () => {
      clearTimeout(bound)
      resolve(true)
    })
  })
}

const HALF_REQUEST = 'GET /echo HTTP/1.1\r\nHost: slow.example\r\nX-Trickle: '

t.test('a public connection that stops half way through its headers is closed after headersTimeoutMs', async (t) => {
  const h = await startHarness(t, limits)
  t.ok(await closedByServer(h.gk.publicUrl, HALF_REQUEST), 'half a request')
  t.ok(await closedByServer(h.gk.publicUrl, ''), 'nothing at all')
})

t.test('an admin connection that stops half way through its headers is closed too', async (t) => {
  const h = await startHarness(t, limits)
  t.ok(await closedByServer(h.gk.adminUrl, HALF_REQUEST, '127.0.0.1'), 'half a request')
  t.ok(await closedByServer(h.gk.adminUrl, '', '127.0.0.1'), 'nothing at all')
})

t.test('with workers, a public connection with slow headers is closed the same way', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const gk = await startProcess(t, writeConfig(dir, rawConfig(dir, upstream.url, { workers: 2, logLevel: 'info', ...limits })), 60_000)
  t.ok(await closedByServer(gk.publicUrl, HALF_REQUEST), 'half a request')
  t.ok(await closedByServer(gk.publicUrl, ''), 'nothing at all')
})

t.test('a keep-alive connection still serves one request after another', async (t) => {
  const h = await startHarness(t, limits)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const ports = new Set<number>()
  for (let i = 0; i < 3; i++) {
    const localPort = await new Promise<number>((resolve, reject) => {
      const req = request(h.gk.publicUrl + '/echo', { agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(req.socket?.localPort ?? 0))
      })
      req.on('error', reject)
      req.end()
    })
    ports.add(localPort)
    // idle past the header timeout: a kept-alive connection is not a slow request
    if (i === 0) await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT_MS + 500))
  }
  t.equal(ports.size, 1, 'all three went over one connection')
})
