import t from 'tap'
import WebSocket from 'ws'
import { startHarness } from './helpers/harness.js'

function connect (url: string, localAddress: string): Promise<{ ws: WebSocket, hello: unknown } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress })
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(data.toString()) }))
    ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); res.resume() })
    ws.once('error', reject)
  })
}

t.test('WebSocket upgrades pass the same gate, and public ones are closed after a grace period when the gate closes', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '127.0.0.2/32' }], websocket: { closeGraceMs: 200 } })
  const url = h.gk.publicUrl.replace('http', 'ws') + '/ws'

  const publicSocket = await connect(url, '127.0.0.3')
  t.ok('ws' in publicSocket, 'open: the public connects')
  const testerSocket = await connect(url, '127.0.0.2')
  t.ok('ws' in testerSocket, 'open: the tester connects')
  if (!('ws' in publicSocket) || !('ws' in testerSocket)) return
  t.same((publicSocket.hello as { forwardedFor: string }).forwardedFor, '127.0.0.3', 'the upstream learns the client address')
  t.equal(h.gk.runtime.webSockets, 1, 'one public websocket is counted')

  const echoed = new Promise((resolve) => publicSocket.ws.once('message', (data) => resolve(data.toString())))
  publicSocket.ws.send('ping')
  t.equal(await echoed, 'ping', 'messages flow both ways')

  const closed = new Promise<number>((resolve) => publicSocket.ws.once('close', (code) => resolve(code)))
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  t.equal(await closed, 1001, 'the public socket is closed (going away) after the grace period')
  t.equal(testerSocket.ws.readyState, WebSocket.OPEN, 'the tester keeps theirs')
  const testerEcho = new Promise((resolve) => testerSocket.ws.once('message', (data) => resolve(data.toString())))
  testerSocket.ws.send('still here')
  t.equal(await testerEcho, 'still here')

  const refused = await connect(url, '127.0.0.3')
  t.same(refused, { status: 503 }, 'closed: a new public upgrade gets the maintenance response')
  testerSocket.ws.close()
  t.equal(h.gk.runtime.webSockets, 0, 'no public websocket is left')
})
