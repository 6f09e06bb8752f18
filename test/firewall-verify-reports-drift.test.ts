import t from 'tap'
import { createIptables } from '../src/firewall/apply.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { renderRuleset } from '../src/firewall/render.js'
import { createNetns } from './helpers/netns.js'

t.test('rules changed behind Gatekeeper\'s back are reported, and the next apply repairs them', async t => {
  const netns = await createNetns(t)
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 9000, proto: 'udp' }, { port: 9001 }] })
  if (config === null) throw new Error('config expected')
  const iptables = createIptables({ exec: netns.exec })
  // IPv6 addresses in a form iptables-save prints differently: the comparison must not care
  const ruleset = renderRuleset(config, { mode: 'closed', allowlist: ['127.0.0.0/8', '2001:db8:0:0:1::/80', '::ffff:10.0.0.0/104'] })
  await iptables.apply(ruleset, config.chainPrefix)
  t.same(await iptables.verify(ruleset, config.chainPrefix), [], 'a fresh apply matches')

  const sneak = await netns.run(['iptables', '-I', 'GATEKEEPER-INPUT', '1', '-s', '203.0.113.9', '-j', 'RETURN'])
  t.equal(sneak.code, 0, sneak.stderr)
  const ahead = await netns.run(['ip6tables', '-I', 'INPUT', '1', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT'])
  t.equal(ahead.code, 0, ahead.stderr)

  const found = await iptables.verify(ruleset, config.chainPrefix)
  t.match(found, [
    /^v4: GATEKEEPER-INPUT rule 1: expected .*, found "-s 203\.0\.113\.9\/32 -j RETURN"$/,
    /^v6: INPUT does not start with the jump to GATEKEEPER-INPUT/
  ])
  t.equal(found.length, 2)

  await iptables.apply(ruleset, config.chainPrefix)
  t.same(await iptables.verify(ruleset, config.chainPrefix), [], 'the next apply puts the rules and the jump back')
  t.match(await netns.save('v6'), /-A INPUT -j GATEKEEPER-INPUT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT/, 'the host\'s own rule stays, after the jump')
})
