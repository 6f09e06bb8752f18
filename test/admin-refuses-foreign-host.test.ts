import t, { type Test } from 'tap'
import { parseConfig } from '../src/config/config.js'
import { OPERATOR_TOKEN, TEST_ENV, get, rawConfig, startHarness, type Answer } from './helpers/harness.js'

type Assert = Pick<Test, 'equal' | 'notMatch'>

const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` }

function refused (t: Assert, answer: Answer, what: string): void {
  t.equal(answer.status, 421, `${what} is refused`)
  const body = JSON.parse(answer.body) as Record<string, unknown>
  t.equal(body.code, 'GK_ERR_HOST_NOT_ALLOWED', `${what}: the error says why`)
  t.notMatch(answer.body, /"version"|"mode"|7f3a/, `${what}: nothing of the state is in the answer`)
}

t.test('a request naming a foreign host (a DNS-rebinding page) is refused before anything is read or changed', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'maintenance 7f3a' })).status, 200)
  const before = h.gk.runtime.current().version

  for (const host of ['evil.example', 'evil.example:8081', `evil.example:${new URL(h.gk.adminUrl).port}`, '127.0.0.1.evil.example', 'localhost.evil.example']) {
    refused(t, await get(h.gk.adminUrl + '/v1/state', { headers: { ...auth, host } }), `GET /v1/state with Host: ${host}`)
  }
  refused(t, await get(h.gk.adminUrl + '/v1/audit', { headers: { ...auth, host: 'evil.example' } }), 'the audit')
  refused(t, await get(h.gk.adminUrl + '/healthz', { headers: { host: 'evil.example' } }), '/healthz')
  refused(t, await get(h.gk.adminUrl + '/console', { headers: { host: 'evil.example' } }), 'the console')
  refused(t, await get(h.gk.adminUrl + '/v1/open', { method: 'POST', headers: { ...auth, host: 'evil.example', 'content-type': 'application/json' }, body: '{}' }), 'POST /v1/open')
  t.equal(h.gk.runtime.current().version, before, 'nothing changed')
  t.equal(h.gk.runtime.current().mode, 'closed')
})

t.test('the listen address, loopback names and addresses, and the configured admin.hosts are accepted', async (t) => {
  const h = await startHarness(t, { admin: { ...rawConfig('', '').admin as object, listen: { host: '127.0.0.1', port: 0 }, hosts: ['gatekeeper.internal', '10.1.2.3'] } })
  const port = new URL(h.gk.adminUrl).port
  for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'LOCALHOST', 'localhost.', `127.0.0.2:${port}`, `[::1]:${port}`,
    `gatekeeper.internal:${port}`, 'Gatekeeper.Internal.', '10.1.2.3:443']) {
    const answer = await get(h.gk.adminUrl + '/v1/state', { headers: { ...auth, host } })
    t.equal(answer.status, 200, `Host: ${host} is accepted`)
    t.equal(answer.headers['x-content-type-options'], 'nosniff', `Host: ${host}: the JSON is not to be sniffed`)
  }
  t.equal((await get(h.gk.adminUrl + '/healthz', { headers: { host: `localhost:${port}` } })).status, 200, '/healthz by a loopback name')
  refused(t, await get(h.gk.adminUrl + '/v1/state', { headers: { ...auth, host: 'other.internal' } }), 'a name not in admin.hosts')
})

t.test('admin.hosts is checked at start-up', async (t) => {
  const base = rawConfig('/tmp', 'http://127.0.0.1:1')
  const admin = base.admin as Record<string, unknown>
  for (const hosts of ['gatekeeper.internal', [''], ['has space'], ['gatekeeper.internal:8081'], [3]]) {
    t.throws(() => parseConfig({ ...base, admin: { ...admin, hosts } }, TEST_ENV), /admin\.hosts/, `${JSON.stringify(hosts)} is refused, naming the key`)
  }
})
