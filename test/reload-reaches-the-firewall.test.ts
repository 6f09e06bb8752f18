import pino from 'pino'
import t from 'tap'
import { loadConfig } from '../src/config/load.js'
import { startGatekeeper } from '../src/server.js'
import { adminClient, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { createNetns, type ConnectOutcome, type Netns } from './helpers/netns.js'
import { writeConfig } from './helpers/process.js'

const PORT = 5432

/** Polls (bounded: about 2 s) until a connection from `from` has the expected outcome. */
async function settles (netns: Netns, from: string, expected: 'connected' | 'not connected'): Promise<ConnectOutcome> {
  let outcome: ConnectOutcome = await netns.connect('127.0.0.1', PORT, from)
  for (let i = 0; i < 20 && !(expected === 'not connected' ? outcome !== 'connected' : outcome === expected); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    outcome = await netns.connect('127.0.0.1', PORT, from)
  }
  return outcome
}

/** Polls (bounded: about 2 s) until the namespace's IPv4 rules do (or do not) name `cidr`; returns whether they do. */
async function rulesName (netns: Netns, cidr: string, expected: boolean): Promise<boolean> {
  let named = (await netns.save('v4')).includes(cidr)
  for (let i = 0; i < 20 && named !== expected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    named = (await netns.save('v4')).includes(cidr)
  }
  return named
}

t.test('a reload that changes the static allowlist reaches the firewall rules', async (t) => {
  const netns = await createNetns(t)
  await netns.listen('127.0.0.1', PORT)
  const dir = tempDir(t)
  const firewall = { enabled: true, apply: 'direct', ports: [{ port: PORT, proto: 'tcp', whenClosed: 'allowlist-only', whenOpen: 'open' }] }
  const raw = rawConfig(dir, 'http://127.0.0.1:9', { initialMode: 'closed', allowlist: [{ cidr: '127.0.0.2/32', label: 'dba' }], firewall })
  const path = writeConfig(dir, raw)
  const config = await loadConfig(path, TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), configFile: { path, env: TEST_ENV }, firewall: { iptables: { exec: netns.exec } } })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)

  t.equal(await settles(netns, '127.0.0.2', 'connected'), 'connected', 'closed: the allowlisted address reaches the port')
  t.not(await settles(netns, '127.0.0.3', 'not connected'), 'connected', 'closed: another address does not')
  t.equal(await rulesName(netns, '127.0.0.2/32', true), true, 'the rules name the allowlisted address')

  // the entry removed from the file: its address must lose the port
  writeConfig(dir, { ...raw, allowlist: [] })
  const removed = await admin('POST', '/v1/reload')
  t.equal(removed.status, 200, 'the reload is applied')
  t.same((await removed.json() as { changed: string[] }).changed, ['allowlist'])
  t.equal(await rulesName(netns, '127.0.0.2/32', false), false, 'the rules no longer name the removed address')
  t.not(await settles(netns, '127.0.0.2', 'not connected'), 'connected', 'the removed address is kept off the port')

  // an entry added: its address passes
  writeConfig(dir, { ...raw, allowlist: [{ cidr: '127.0.0.3/32', label: 'tester' }] })
  t.equal((await admin('POST', '/v1/reload')).status, 200)
  t.equal(await rulesName(netns, '127.0.0.3/32', true), true, 'the rules name the added address')
  t.notMatch(await netns.save('v4'), /127\.0\.0\.2\/32/, 'and not the removed one')
  t.equal(await settles(netns, '127.0.0.3', 'connected'), 'connected', 'the added address reaches the port')
  t.not(await settles(netns, '127.0.0.2', 'not connected'), 'connected', 'and the removed one still does not')
})
