import t from 'tap'
import WebSocket from 'ws'
import { startHarness } from './helpers/harness.js'
import { closeCodeOf, connectWebSocket } from './helpers/websocket-client.js'

// expiry changes no state: nothing but the tracker's own clock can notice it
const AHEAD_MS = 3000
const BOUND_MS = 30000

t.test('a WebSocket admitted by an allowlist entry is closed after the grace once the entry expires', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '127.0.0.2/32', label: 'sysadmin' }], websocket: { closeGraceMs: 300 } })
  const url = h.gk.publicUrl.replace('http', 'ws') + '/ws'
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  const expiresAt = new Date(Date.now() + AHEAD_MS).toISOString()
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.4/32', label: 'visitor', expiresAt })).status, 201)

  const visitor = await connectWebSocket(url, '127.0.0.4')
  const sysadmin = await connectWebSocket(url, '127.0.0.2')
  if (!('ws' in visitor) || !('ws' in sysadmin)) {
    t.fail('both connect while their entries hold')
    return
  }
  t.teardown(() => { visitor.ws.terminate(); sysadmin.ws.terminate() })
  t.equal(await closeCodeOf(visitor.ws, BOUND_MS), 1001, 'the socket is closed (going away)')
  t.ok(Date.now() >= Date.parse(expiresAt), 'not before its entry expired')
  t.equal(sysadmin.ws.readyState, WebSocket.OPEN, 'a socket admitted by an entry that does not expire stays')
  t.same(await connectWebSocket(url, '127.0.0.4'), { status: 503 }, 'a new upgrade from the expired entry is held')
})

t.test('a WebSocket admitted by a bypass token is closed after the grace once the token expires', async (t) => {
  const h = await startHarness(t, { websocket: { closeGraceMs: 300 } })
  const url = h.gk.publicUrl.replace('http', 'ws') + '/ws'
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrading' })).status, 200)
  const { token } = await (await h.admin('POST', '/v1/tokens', { name: 'short', ttl: 60 })).json() as { token: string }
  const { token: lasting } = await (await h.admin('POST', '/v1/tokens', { name: 'lasting', ttl: '1h' })).json() as { token: string }
  // the API's shortest ttl is a minute: the test shortens it in the store
  const expiresAt = new Date(Date.now() + AHEAD_MS).toISOString()
  await h.gk.store.update({ actor: 'test', ip: '', action: 'shorten' }, (s) => ({
    ...s,
    tokens: s.tokens.map((tk) => (tk.name === 'short' ? { ...tk, expiresAt } : tk))
  }))

  const short = await connectWebSocket(url, '127.0.0.5', { 'x-gatekeeper-bypass': token })
  const long = await connectWebSocket(url, '127.0.0.6', { 'x-gatekeeper-bypass': lasting })
  if (!('ws' in short) || !('ws' in long)) {
    t.fail('both connect while their tokens are live')
    return
  }
  t.teardown(() => { short.ws.terminate(); long.ws.terminate() })
  t.equal(await closeCodeOf(short.ws, BOUND_MS), 1001, 'the socket is closed (going away)')
  t.ok(Date.now() >= Date.parse(expiresAt), 'not before its token expired')
  t.equal(long.ws.readyState, WebSocket.OPEN, 'a socket admitted by a live token stays')
})
