import t from 'tap'
import WebSocket from 'ws'
import { startHarness } from './helpers/harness.js'
import { closeCodeOf, connectWebSocket, nextMessage } from './helpers/websocket-client.js'

// a WebSocket carries writes after a GET handshake: read-only must hold it like any unsafe request
t.test('read-only refuses a public WebSocket upgrade and closes the open ones after the grace; testers keep theirs', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '127.0.0.2/32', label: 'sysadmin' }], websocket: { closeGraceMs: 300 } })
  const url = h.gk.publicUrl.replace('http', 'ws') + '/ws'
  const { token } = await (await h.admin('POST', '/v1/tokens', { name: 'dba', ttl: '1h' })).json() as { token: string }

  const publicSocket = await connectWebSocket(url, '127.0.0.3')
  const testerSocket = await connectWebSocket(url, '127.0.0.2')
  if (!('ws' in publicSocket) || !('ws' in testerSocket)) {
    t.fail('open: both sockets connect')
    return
  }
  t.teardown(() => { publicSocket.ws.terminate(); testerSocket.ws.terminate() })

  const closed = closeCodeOf(publicSocket.ws, 20000)
  t.equal((await h.admin('POST', '/v1/read-only', { reason: 'Read-only while we migrate' })).status, 200)
  t.equal(await closed, 1001, 'the public socket opened before read-only is closed (going away) after the grace')
  t.equal(testerSocket.ws.readyState, WebSocket.OPEN, 'the allowlisted tester keeps theirs')
  const echo = nextMessage(testerSocket.ws, 10000)
  testerSocket.ws.send('still here')
  t.equal(await echo, 'still here', 'and it still relays')

  t.same(await connectWebSocket(url, '127.0.0.3'), { status: 503 }, 'read-only: a public upgrade gets the maintenance response')

  const sysadmin = await connectWebSocket(url, '127.0.0.2')
  t.ok('ws' in sysadmin, 'read-only: an allowlisted address may open a WebSocket')
  if ('ws' in sysadmin) sysadmin.ws.close()
  const dba = await connectWebSocket(url, '127.0.0.3', { 'x-gatekeeper-bypass': token })
  t.ok('ws' in dba, 'read-only: a bypass token holder may open a WebSocket')
  if ('ws' in dba) {
    const still = closeCodeOf(dba.ws, 1500)
    t.equal(await still, 'still open', 'and keeps it past the grace')
    dba.ws.close()
  }
  testerSocket.ws.close()
  t.equal(h.gk.runtime.webSockets, 0, 'no public websocket is left')
})
