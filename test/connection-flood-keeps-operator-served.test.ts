import { request as httpRequest } from 'node:http'
import { connect, type Socket } from 'node:net'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { OPERATOR_TOKEN, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'

const FLOOD = 2000
const FD_LIMIT = 1024
/**
 * A failure bound, not a performance figure: the issue asks for answers
 * "within a second"; on a loaded shared machine a few seconds is the bound
 * that still tells "served" from "locked out" (which is a timeout of minutes).
 */
const ANSWER_BOUND_MS = 5000
/** how long the flood may take to be accepted or refused, at most */
const FLOOD_SETTLE_MS = 20_000

interface Flood {
  sockets: Socket[]
  /** connected and still open */
  held: () => number
  /** closed after connecting, by the other side */
  shed: () => number
  settled: Promise<void>
}

/** Opens `count` connections from `from`, each sending half a request line and then nothing. */
function stalledConnections (url: string, from: string, count: number): Flood {
  const { hostname, port } = new URL(url)
  const sockets: Socket[] = []
  let shed = 0
  let open = 0
  let settledCount = 0
  let onSettled: () => void = () => {}
  const settled = new Promise<void>((resolve) => { onSettled = resolve })
  for (let i = 0; i < count; i++) {
    const socket = connect({ host: hostname, port: Number(port), localAddress: from })
    let connected = false
    let done = false
    const settle = (): void => {
      if (done) return
      done = true
      if (++settledCount === count) onSettled()
    }
    socket.on('error', () => {})
    socket.once('connect', () => {
      connected = true
      open++
      socket.write('GET /echo HTTP/1.1\r\nHost: flood.example\r\nX-Half: ')
      settle()
    })
    socket.once('close', () => {
      if (connected) {
        open--
        shed++
      }
      settle()
    })
    sockets.push(socket)
  }
  return { sockets, held: () => open, shed: () => shed, settled }
}

/** A GET from `from` with a bound: resolves with the status, or rejects naming the bound. */
function getWithin (url: string, from: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname, localAddress: from, agent: false, timeout: ms }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms} ms`)))
    req.on('error', reject)
    req.end()
  })
}

async function adminStatus (url: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` }, signal: AbortSignal.timeout(ANSWER_BOUND_MS) })
  await res.arrayBuffer()
  return res.status
}

t.test(`${FLOOD} stalled public connections under ulimit -n ${FD_LIMIT} leave the admin API and an allowlisted client served`, async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const config = rawConfig(dir, upstream.url, {
    logLevel: 'info',
    initialMode: 'closed',
    allowlist: ['127.0.0.3/32'],
    // the old default: here the cap, not the header timeout, must keep the operator served
    limits: { headersTimeoutMs: 60_000 }
  })
  const gk = await startProcess(t, writeConfig(dir, config), 15000, { fdLimit: FD_LIMIT })

  const flood = stalledConnections(gk.publicUrl, '127.0.0.2', FLOOD)
  t.teardown(() => { for (const socket of flood.sockets) socket.destroy() })
  await Promise.race([flood.settled, new Promise((resolve) => setTimeout(resolve, FLOOD_SETTLE_MS))])

  const failed = (err: Error): string => err.message
  t.equal(await adminStatus(gk.adminUrl + '/healthz').catch(failed), 200, 'the admin /healthz answers')
  t.equal(await adminStatus(gk.adminUrl + '/v1/state').catch(failed), 200, 'the admin API answers')
  t.equal(await getWithin(gk.publicUrl + '/echo', '127.0.0.3', ANSWER_BOUND_MS).catch(failed), 200, 'an allowlisted client reaches the upstream')
  t.comment(`flood: ${flood.held()} held open, ${flood.shed()} closed by gatekeeper`)
  t.ok(flood.held() < FLOOD, 'not every stalled public connection is kept')
  t.ok(flood.shed() > 0, 'public connections over the cap are closed')
  t.equal(gk.child.exitCode, null, 'the gatekeeper is still running')
  t.equal(gk.child.signalCode, null, 'and was not killed')
})
