import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { OPERATOR_TOKEN, TEST_ENV, rawConfig, tempDir } from './helpers/harness.js'
import { createNetns, type ConnectOutcome, type Netns } from './helpers/netns.js'

const PORT = 5432

/** Polls until the port answers as expected: the rules follow a change within a second or so. */
async function settles (netns: Netns, from: string, expected: ConnectOutcome | 'not connected'): Promise<ConnectOutcome> {
  let outcome: ConnectOutcome = await netns.connect('127.0.0.1', PORT, from)
  for (let i = 0; i < 20 && !(expected === 'not connected' ? outcome !== 'connected' : outcome === expected); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    outcome = await netns.connect('127.0.0.1', PORT, from)
  }
  return outcome
}

t.test('a running gatekeeper keeps a database port in step with the gate and its allowlist', async (t) => {
  const netns = await createNetns(t)
  await netns.listen('127.0.0.1', PORT)
  const dir = tempDir(t)
  const config = parseConfig(rawConfig(dir, 'http://127.0.0.1:9', {
    allowlist: [{ cidr: '127.0.0.2/32', label: 'dba' }],
    firewall: { enabled: true, apply: 'direct', ports: [{ port: PORT, proto: 'tcp', whenClosed: 'allowlist-only', whenOpen: 'open' }] }
  }), TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), firewall: { iptables: { exec: netns.exec } } })
  t.teardown(() => gk.close())
  const admin = (method: string, path: string, body?: unknown): Promise<Response> => fetch(gk.adminUrl + path, {
    method,
    headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

  t.equal(await settles(netns, '127.0.0.3', 'connected'), 'connected', 'open: anyone reaches the port')
  t.equal((await admin('POST', '/v1/close', { reason: 'Backup' })).status, 200)
  t.not(await settles(netns, '127.0.0.3', 'not connected'), 'connected', 'closed: the public is kept off the port')
  t.equal(await settles(netns, '127.0.0.2', 'connected'), 'connected', 'closed: the allowlisted DBA still connects')

  t.equal((await admin('POST', '/v1/allowlist', { cidr: '127.0.0.3/32', label: 'tester' })).status, 201)
  t.equal(await settles(netns, '127.0.0.3', 'connected'), 'connected', 'a dynamic entry opens the port to its address')
  t.equal((await admin('DELETE', '/v1/allowlist/127.0.0.3/32')).status, 200)
  t.not(await settles(netns, '127.0.0.3', 'not connected'), 'connected', 'removing it closes the port to it at once')

  const health = await (await fetch(gk.adminUrl + '/healthz')).json() as { firewall: { ok: boolean } }
  t.equal(health.firewall.ok, true, '/healthz reports the firewall')

  await gk.close()
  t.not(await netns.connect('127.0.0.1', PORT, '127.0.0.3'), 'connected', 'a stopped gatekeeper leaves the port closed')
  t.match(await netns.save('v4'), /GATEKEEPER/, 'its rules stay in place')
})

t.test('a firewall that cannot be applied is reported in /healthz and the audit, and the gate keeps serving', async (t) => {
  const dir = tempDir(t)
  const config = parseConfig(rawConfig(dir, 'http://127.0.0.1:9', {
    firewall: { enabled: true, apply: 'direct', ports: [{ port: PORT, proto: 'tcp', whenClosed: 'drop', whenOpen: 'open' }] }
  }), TEST_ENV)
  // a namespace that does not exist: every iptables-restore fails
  const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), firewall: { iptables: { exec: ['ip', 'netns', 'exec', 'gk-no-such-namespace'] }, retryMs: 60000 } })
  t.teardown(() => gk.close())
  let health = { status: '', firewall: { ok: true, message: '' } }
  let httpStatus = 0
  for (let i = 0; i < 50 && health.firewall.ok; i++) {
    const res = await fetch(gk.adminUrl + '/healthz')
    httpStatus = res.status
    health = await res.json() as typeof health
    if (health.firewall.ok) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(health.status, 'degraded')
  t.equal(httpStatus, 503, 'a degraded instance answers 503')
  t.equal(health.firewall.ok, false)
  let audit: Array<{ action: string }> = []
  for (let i = 0; i < 50 && !audit.some((entry) => entry.action === 'firewall.failed'); i++) {
    audit = await (await fetch(gk.adminUrl + '/v1/audit', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json() as typeof audit
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(audit.some((entry) => entry.action === 'firewall.failed'), 'the audit says the firewall failed')
})
