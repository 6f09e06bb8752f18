import { chmod, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { createFirewall } from '../src/firewall/firewall.js'
import { requestRuleset } from '../src/firewall/helper-client.js'
import { startHelperServer } from '../src/firewall/helper-server.js'
import { startGatekeeper } from '../src/server.js'
import { OPERATOR_TOKEN, TEST_ENV, adminClient, rawConfig, tempDir } from './helpers/harness.js'
import { createNetns, type ConnectOutcome, type Netns } from './helpers/netns.js'

const PORT = 5432
const quiet = { info () {}, warn () {}, error () {} }

// several gatekeepers and helpers applying and failing closed, on a machine that may be busy: polling stays bounded, the file gets more than the default time
t.setTimeout(600_000)

/**
 * Runs iptables in the namespace, except that while `trigger` exists it
 * refuses any ruleset naming 127.0.0.2, the allowlisted DBA: a stand-in for
 * a ruleset the kernel or a lock timeout turns down, while a smaller one
 * still goes in.
 */
async function failingIptables (dir: string, netns: Netns): Promise<{ exec: string[], trigger: string }> {
  const trigger = join(dir, 'refuse-the-allowlist')
  const script = join(dir, 'iptables-wrapper.sh')
  await writeFile(script, [
    '#!/bin/sh',
    'input=$(cat)',
    `if [ -e "${trigger}" ]; then case "$input" in *127.0.0.2/32*) echo "simulated: the ruleset is too large for the kernel" >&2; exit 1;; esac; fi`,
    `printf '%s\\n' "$input" | exec ip netns exec ${netns.name} "$@"`,
    ''
  ].join('\n'))
  await chmod(script, 0o755)
  return { exec: [script], trigger }
}

/** Polls until the port answers as expected from `from`: an apply takes a moment on a busy machine. */
async function settles (netns: Netns, from: string, expected: ConnectOutcome | 'not connected'): Promise<ConnectOutcome> {
  const done = (outcome: ConnectOutcome): boolean => expected === 'not connected' ? outcome !== 'connected' : outcome === expected
  let outcome = await netns.connect('127.0.0.1', PORT, from)
  for (let i = 0; i < 60 && !done(outcome); i++) {
    await new Promise(resolve => setTimeout(resolve, 250))
    outcome = await netns.connect('127.0.0.1', PORT, from)
  }
  return outcome
}

for (const apply of ['direct', 'helper'] as const) {
  t.test(`apply: ${apply} — a close whose rules cannot go in leaves the port closed to everyone but alwaysAllow`, async t => {
    const netns = await createNetns(t)
    await netns.listen('127.0.0.1', PORT)
    const dir = tempDir(t)
    const { exec, trigger } = await failingIptables(dir, netns)
    const firewall = {
      enabled: true,
      apply,
      helperSocket: join(dir, 'firewall.sock'),
      ports: [{ port: PORT, whenClosed: 'allowlist-only', whenOpen: 'open', alwaysAllow: ['127.0.0.7/32'] }]
    }
    if (apply === 'helper') {
      const helperConfig = parseFirewallConfig(firewall)
      if (helperConfig === null) throw new Error('config expected')
      const helper = await startHelperServer({ config: helperConfig, logger: quiet, iptables: { exec } })
      t.teardown(() => helper.close())
    }
    const config = parseConfig(rawConfig(dir, 'http://127.0.0.1:9', { allowlist: [{ cidr: '127.0.0.2/32', label: 'dba' }], firewall }), TEST_ENV)
    const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), firewall: { iptables: { exec }, retryMs: 60_000 } })
    t.teardown(() => gk.close())
    const admin = adminClient(gk.adminUrl)

    t.equal(await settles(netns, '127.0.0.3', 'connected'), 'connected', 'open: anyone reaches the port')
    await writeFile(trigger, '')
    t.equal((await admin('POST', '/v1/close', { reason: 'upgrade' })).status, 200)

    t.not(await settles(netns, '127.0.0.3', 'not connected'), 'connected', 'the public is kept off the port although the rules for the close did not go in')
    t.not(await netns.connect('127.0.0.1', PORT, '127.0.0.2'), 'connected', 'failing closed admits nobody from the allowlist either')
    t.equal(await netns.connect('127.0.0.1', PORT, '127.0.0.7'), 'connected', 'alwaysAllow, from the configuration, still reaches it')

    let health = { status: '', firewall: { ok: true, message: '' } }
    for (let i = 0; i < 100 && !/failed closed/.test(health.firewall.message ?? ''); i++) {
      health = await (await fetch(gk.adminUrl + '/healthz')).json() as typeof health
      if (!/failed closed/.test(health.firewall.message ?? '')) await new Promise(resolve => setTimeout(resolve, 100))
    }
    t.equal(health.firewall.ok, false, '/healthz says the firewall is not as the state asks')
    t.match(health.firewall.message, /failed closed.*simulated: the ruleset is too large/, 'and that the ports failed closed, and why')

    let audit: Array<{ action: string }> = []
    for (let i = 0; i < 100 && !audit.some(entry => entry.action === 'firewall.failed'); i++) {
      audit = await (await fetch(gk.adminUrl + '/v1/audit', { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json() as typeof audit
      if (!audit.some(entry => entry.action === 'firewall.failed')) await new Promise(resolve => setTimeout(resolve, 100))
    }
    const noted = audit.find(entry => entry.action === 'firewall.failed')
    t.match(JSON.stringify(noted), /"failedClosed":true/, 'the audit notes that the ports failed closed')

    await rm(trigger)
    t.equal((await admin('POST', '/v1/allowlist', { cidr: '127.0.0.4/32' })).status, 201, 'the next change')
    t.equal(await settles(netns, '127.0.0.2', 'connected'), 'connected', 'puts the full rules back once they go in')
    t.not(await netns.connect('127.0.0.1', PORT, '127.0.0.3'), 'connected', 'still closed to the public')
  })
}

t.test('the helper fails closed when it refuses the allowlist of a close', async t => {
  const netns = await createNetns(t)
  await netns.listen('127.0.0.1', PORT)
  const dir = tempDir(t)
  const socketPath = join(dir, 'firewall.sock')
  const config = parseFirewallConfig({ apply: 'helper', helperSocket: socketPath, ports: [{ port: PORT }] })
  if (config === null) throw new Error('config expected')
  const helper = await startHelperServer({ config, logger: quiet, iptables: { exec: netns.exec } })
  t.teardown(() => helper.close())

  t.match(await requestRuleset(socketPath, { mode: 'open', allowlist: [] }), { ok: true })
  t.equal(await netns.connect('127.0.0.1', PORT, '127.0.0.3'), 'connected')

  const refused = await requestRuleset(socketPath, { mode: 'closed', allowlist: ['127.0.0.2/32', '10.0.0.0/08'] })
  t.match(refused, { ok: false, applied: false, failedClosed: true, error: /allowlist\[1\]/ }, 'the answer says the request was refused and the ports failed closed')
  t.same(await Promise.all([netns.connect('127.0.0.1', PORT, '127.0.0.3'), netns.connect('127.0.0.1', PORT, '127.0.0.2')]),
    ['timed out', 'timed out'], 'the port is closed to everyone')

  const malformed = await requestRuleset(socketPath, { mode: 'ajar', allowlist: [] } as unknown as Parameters<typeof requestRuleset>[1])
  t.match(malformed, { ok: false, applied: false }, 'a request without a mode is refused')
  t.notOk(malformed.failedClosed, 'and changes nothing: it names no state to fail closed into')
})

t.test('a sync that fails is reported, fails closed, and the next good state goes in', async t => {
  const netns = await createNetns(t)
  await netns.listen('127.0.0.1', PORT)
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: PORT, alwaysAllow: ['127.0.0.7/32'] }] })
  if (config === null) throw new Error('config expected')
  const firewall = createFirewall(config, quiet, { iptables: { exec: netns.exec }, retryMs: 60_000 })
  t.teardown(() => firewall.close())

  t.same(await firewall.sync({ mode: 'closed', allowlist: ['127.0.0.5/32'] }), { ok: true })
  const appliedAt = firewall.health().appliedAt
  t.equal(await netns.connect('127.0.0.1', PORT, '127.0.0.5'), 'connected')

  // the state removes 127.0.0.5 and adds an entry that cannot be rendered: the previous rules must not stay
  const result = await firewall.sync({ mode: 'closed', allowlist: ['127.0.0.6/33'] })
  t.match(result, { ok: false, failedClosed: true, error: /127\.0\.0\.6\/33/ })
  t.match(firewall.health(), { ok: false, message: /firewall apply failed, the protected ports failed closed/, appliedAt },
    'health reports the failure and when the last full rules went in')
  t.same(await Promise.all([netns.connect('127.0.0.1', PORT, '127.0.0.5'), netns.connect('127.0.0.1', PORT, '127.0.0.7')]),
    ['timed out', 'connected'], 'the removed entry is not admitted any more; alwaysAllow still is')

  t.same(await firewall.sync({ mode: 'open', allowlist: [] }), { ok: true }, 'the next good state goes in')
  t.equal(firewall.health().ok, true)
  t.equal(await netns.connect('127.0.0.1', PORT, '127.0.0.5'), 'connected')
})
