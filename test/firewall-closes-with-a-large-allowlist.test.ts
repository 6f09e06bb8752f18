import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { startHelperServer } from '../src/firewall/helper-server.js'
import { startGatekeeper } from '../src/server.js'
import { initialState } from '../src/state/initial.js'
import { TEST_ENV, adminClient, rawConfig, tempDir } from './helpers/harness.js'
import { createNetns, type ConnectOutcome, type Netns } from './helpers/netns.js'

const PORT = 5432
const STATIC_ENTRIES = 20_000
const DYNAMIC_ENTRIES = 2_000
const quiet = { info () {}, warn () {}, error () {} }

// two gatekeepers applying tens of thousands of rules, on a machine that may be busy: polling stays bounded, the file gets more than the default time
t.setTimeout(600_000)

/** Hosts that never touch each other, so that no merging makes the list small. */
function staticAllowlist (): Array<{ cidr: string, label: string }> {
  const entries = [{ cidr: '127.0.0.2/32', label: 'dba' }]
  for (let i = 0; entries.length < STATIC_ENTRIES; i++) entries.push({ cidr: `10.${(i >> 8) & 255}.${i & 255}.${2 + 2 * (i >> 16)}/32`, label: 'host' })
  return entries
}

function dynamicAllowlist (): Array<{ cidr: string, label: string, addedBy: string, addedAt: string }> {
  const cidrs = ['127.0.0.4/32', '::2/128']
  for (let i = 0; cidrs.length < DYNAMIC_ENTRIES; i++) {
    cidrs.push(i % 2 === 0 ? `2001:db8:${i.toString(16)}::/48` : `172.16.${(i >> 8) & 255}.${(i & 255) | 1}/32`)
  }
  const addedAt = new Date().toISOString()
  return cidrs.map(cidr => ({ cidr, label: 'tester', addedBy: 'ops', addedAt }))
}

/** Polls until the port answers as expected: a large ruleset takes a while to go in on a busy machine. */
async function settles (netns: Netns, host: string, from: string, expected: ConnectOutcome | 'not connected'): Promise<ConnectOutcome> {
  const done = (outcome: ConnectOutcome): boolean => expected === 'not connected' ? outcome !== 'connected' : outcome === expected
  let outcome = await netns.connect(host, PORT, from)
  for (let i = 0; i < 60 && !done(outcome); i++) {
    await new Promise(resolve => setTimeout(resolve, 250))
    outcome = await netns.connect(host, PORT, from)
  }
  return outcome
}

for (const apply of ['direct', 'helper'] as const) {
  t.test(`apply: ${apply} — a close with ${STATIC_ENTRIES} static and ${DYNAMIC_ENTRIES} dynamic entries closes the port`, async t => {
    const netns = await createNetns(t)
    await netns.listen('127.0.0.1', PORT)
    await netns.listen('::1', PORT)
    const dir = tempDir(t)
    await writeFile(join(dir, 'state.json'), JSON.stringify({ ...initialState('open', ''), allowlist: dynamicAllowlist() }))
    const firewall = {
      enabled: true,
      apply,
      helperSocket: join(dir, 'firewall.sock'),
      ports: [{ port: PORT, whenClosed: 'allowlist-only', whenOpen: 'open' }]
    }
    if (apply === 'helper') {
      const helperConfig = parseFirewallConfig(firewall)
      if (helperConfig === null) throw new Error('config expected')
      const helper = await startHelperServer({ config: helperConfig, logger: quiet, iptables: { exec: netns.exec } })
      t.teardown(() => helper.close())
    }
    const config = parseConfig(rawConfig(dir, 'http://127.0.0.1:9', { allowlist: staticAllowlist(), firewall }), TEST_ENV)
    const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), firewall: { iptables: { exec: netns.exec }, retryMs: 60_000 } })
    t.teardown(() => gk.close())
    const admin = adminClient(gk.adminUrl)

    t.equal(await settles(netns, '127.0.0.1', '127.0.0.3', 'connected'), 'connected', 'open: anyone reaches the port')
    t.equal((await admin('POST', '/v1/close', { reason: 'upgrade' })).status, 200)

    t.not(await settles(netns, '127.0.0.1', '127.0.0.3', 'not connected'), 'connected', 'closed: an address not in the allowlist is kept off')
    t.not(await netns.connect('::1', PORT, '::3'), 'connected', 'over IPv6 too')
    t.equal(await netns.connect('127.0.0.1', PORT, '127.0.0.2'), 'connected', 'a static entry still connects')
    t.equal(await netns.connect('127.0.0.1', PORT, '127.0.0.4'), 'connected', 'a dynamic entry still connects')
    t.equal(await netns.connect('::1', PORT, '::2'), 'connected', 'a dynamic IPv6 entry still connects')

    let health = { firewall: { ok: false, message: '' } }
    for (let i = 0; i < 100 && !health.firewall.ok; i++) {
      health = await (await fetch(gk.adminUrl + '/healthz')).json() as typeof health
      if (!health.firewall.ok) await new Promise(resolve => setTimeout(resolve, 100))
    }
    t.equal(health.firewall.ok, true, '/healthz reports the rules in place')
  })
}
