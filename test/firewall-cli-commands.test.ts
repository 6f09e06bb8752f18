import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { firewallCommand } from '../src/firewall/cli.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { requestRuleset } from '../src/firewall/helper-client.js'
import { createNetns } from './helpers/netns.js'

const quiet = { info () {}, warn () {}, error () {} }

function capture () {
  const lines = { out: [] as string[], err: [] as string[] }
  return { lines, out: (text: string) => { lines.out.push(text) }, err: (text: string) => { lines.err.push(text) } }
}

t.test('plan prints, apply applies, clear removes', async t => {
  const netns = await createNetns(t)
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 9000 }] })
  const state = { mode: 'closed' as const, allowlist: ['127.0.0.5/32', '2001:db8::/32'] }
  const options = { iptables: { exec: netns.exec }, logger: quiet }

  const plan = capture()
  t.equal(await firewallCommand(['plan'], config, state, { ...options, ...plan }), 0)
  const printed = plan.lines.out.join('\n')
  t.match(printed, /-A GATEKEEPER-INPUT -p tcp -m tcp --dport 9000 -j GATEKEEPER-ALLOW/)
  t.match(printed, /-A GATEKEEPER-ALLOW -s 127\.0\.0\.5\/32 -j RETURN/)
  t.match(printed, /-A GATEKEEPER-ALLOW -s 2001:db8::\/32 -j RETURN/)
  t.notMatch(await netns.save('v4'), /GATEKEEPER/, 'plan applied nothing')

  const apply = capture()
  t.equal(await firewallCommand(['apply'], config, state, { ...options, ...apply }), 0)
  t.match(apply.lines.out, [/firewall rules applied for mode closed with 2 allowlist entries/])
  t.match(await netns.save('v4'), /-A GATEKEEPER-ALLOW -s 127\.0\.0\.5\/32/)

  const bad = capture()
  t.equal(await firewallCommand(['apply'], config, { mode: 'closed', allowlist: ['127.0.0.5/40'] }, { ...options, ...bad }), 1)
  t.match(bad.lines.err, [/gatekeeper firewall apply: .*127\.0\.0\.5\/40/])

  const clear = capture()
  t.equal(await firewallCommand(['clear'], config, state, { ...options, ...clear }), 0)
  t.match(clear.lines.out, [/removed the GATEKEEPER-INPUT\/-OUTPUT\/-ALLOW chains and their jumps \(v4, v6\)/])
  t.match(clear.lines.err, [/a running gatekeeper puts the rules back/], 'it warns that a running gatekeeper re-applies')
  t.notMatch(await netns.save('v4'), /GATEKEEPER/)
  t.notMatch(await netns.save('v6'), /GATEKEEPER/)

  const again = capture()
  t.equal(await firewallCommand(['clear'], null, state, { ...options, ...again }), 0, 'clear works without a firewall key, with the default prefix')
  t.match(again.lines.out, [/nothing changed/])
})

t.test('mistakes get a clear message and a non-zero exit', async t => {
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 9000 }] })
  const disabled = parseFirewallConfig({ enabled: false, apply: 'direct', ports: [{ port: 9000 }] })
  const state = { mode: 'open' as const, allowlist: [] }
  const cases: Array<[string[], typeof config, number, RegExp]> = [
    [['plan'], null, 1, /no `firewall` key/],
    [['apply'], disabled, 1, /firewall\.enabled is false/],
    [['helper'], null, 1, /no `firewall` key/],
    [['open-sesame'], config, 2, /unknown command "open-sesame"/],
    [['plan', '--now'], config, 2, /unexpected argument "--now"/]
  ]
  for (const [argv, cfg, code, message] of cases) {
    const io = capture()
    t.equal(await firewallCommand(argv, cfg, state, io), code, argv.join(' '))
    t.match(io.lines.err.join('\n'), message)
  }
  const usage = capture()
  t.equal(await firewallCommand([], config, state, usage), 2)
  t.match(usage.lines.out, [/usage: gatekeeper firewall <command>/])
})

t.test('helper runs in the foreground until told to stop', async t => {
  const netns = await createNetns(t)
  const dir = await mkdtemp(join(tmpdir(), 'gk-cli-helper-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const socketPath = join(dir, 'firewall.sock')
  const config = parseFirewallConfig({ apply: 'helper', helperSocket: socketPath, ports: [{ port: 9000 }] })
  const stop = new AbortController()
  const running = firewallCommand(['helper'], config, { mode: 'closed', allowlist: [] }, { iptables: { exec: netns.exec }, logger: quiet, signal: stop.signal })

  for (let tries = 0; tries < 100 && await stat(socketPath).then(() => false, () => true); tries++) await new Promise(resolve => setTimeout(resolve, 50))
  t.match(await requestRuleset(socketPath, { mode: 'closed', allowlist: ['127.0.0.9/32'] }), { ok: true, applied: true })
  stop.abort()
  t.equal(await running, 0, 'it exits 0 when stopped')
  await t.rejects(stat(socketPath), { code: 'ENOENT' })
  t.match(await netns.save('v4'), /-s 127\.0\.0\.9\/32/, 'the rules stay after it stops')
})
