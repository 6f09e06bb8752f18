import t from 'tap'
import WebSocket from 'ws'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { startGatekeeper } from '../src/server.js'
import { adminClient, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { closeCodeOf, connectWebSocket } from './helpers/websocket-client.js'

t.test('revoking a top-level token closes the WebSockets it admitted on another site', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, '', { websocket: { closeGraceMs: 300 } })
  delete raw.upstream
  raw.sites = [
    { name: 'app1', hosts: ['one.test'], upstream: upstream.url },
    { name: 'app2', hosts: ['two.test'], upstream: upstream.url }
  ]
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  t.equal((await admin('POST', '/v1/sites/app2/close', { reason: 'Upgrading' })).status, 200)
  const { token } = await (await admin('POST', '/v1/tokens', { name: 'tester', ttl: '1h' })).json() as { token: string }
  const { token: kept } = await (await admin('POST', '/v1/tokens', { name: 'kept', ttl: '1h' })).json() as { token: string }
  const url = gk.publicUrl.replace('http', 'ws') + '/ws'
  const revoked = await connectWebSocket(url, '127.0.0.5', { host: 'two.test', 'x-gatekeeper-bypass': token })
  const other = await connectWebSocket(url, '127.0.0.6', { host: 'two.test', 'x-gatekeeper-bypass': kept })
  if (!('ws' in revoked) || !('ws' in other)) {
    t.fail('both connect to the closed site with a top-level token')
    return
  }
  t.teardown(() => { revoked.ws.terminate(); other.ws.terminate() })
  t.equal((await admin('DELETE', '/v1/tokens/tester')).status, 200)
  t.equal(await closeCodeOf(revoked.ws, 30000), 1001, 'the socket it admitted is closed (going away)')
  t.equal(other.ws.readyState, WebSocket.OPEN, 'a socket admitted by another token stays')
  t.same(await connectWebSocket(url, '127.0.0.5', { host: 'two.test', 'x-gatekeeper-bypass': token }), { status: 503 }, 'a new upgrade with it is held')
})
