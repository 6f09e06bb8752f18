import t from 'tap'
import { createIptables } from '../src/firewall/apply.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { renderRuleset } from '../src/firewall/render.js'
import { createNetns } from './helpers/netns.js'

const withoutComments = (text: string) => text.split('\n').filter(line => !line.startsWith('#')).join('\n')

t.test('applying twice keeps one jump, and clear removes exactly Gatekeeper\'s chains', async t => {
  const netns = await createNetns(t)
  // the host's own rules, before Gatekeeper arrives
  const foreign = [
    '*filter',
    ':HOST-RULES - [0:0]',
    '-A HOST-RULES -s 192.0.2.0/24 -j ACCEPT',
    '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
    '-A INPUT -j HOST-RULES',
    '-A OUTPUT -d 198.51.100.7/32 -j DROP',
    'COMMIT',
    ''
  ].join('\n')
  for (const family of ['iptables-restore', 'ip6tables-restore']) {
    const text = family === 'iptables-restore' ? foreign : foreign.replace('192.0.2.0/24', '2001:db8::/32').replace('198.51.100.7/32', '2001:db8::7/128')
    const result = await netns.run([family, '--noflush'], text)
    t.equal(result.code, 0, `${family} accepts the host's rules: ${result.stderr}`)
  }
  const host = { v4: withoutComments(await netns.save('v4')), v6: withoutComments(await netns.save('v6')) }
  t.match(host.v6, /-A HOST-RULES -s 2001:db8::\/32 -j ACCEPT/)

  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 5432 }], upstreamPort: { port: 3000, allowUids: [0] } })
  if (config === null) throw new Error('config expected')
  const iptables = createIptables({ exec: netns.exec })
  const ruleset = renderRuleset(config, { mode: 'closed', allowlist: ['10.1.0.0/16', '2001:db8:1::/48'] })
  await iptables.apply(ruleset, config.chainPrefix)
  await iptables.apply(ruleset, config.chainPrefix)
  const applied = await netns.save('v4')
  t.equal(applied.match(/-j GATEKEEPER-INPUT/g)?.length, 1, 'one jump to GATEKEEPER-INPUT after two applies')
  t.equal(applied.match(/-j GATEKEEPER-OUTPUT/g)?.length, 1, 'one jump to GATEKEEPER-OUTPUT after two applies')
  t.match(applied, /-A INPUT -j GATEKEEPER-INPUT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT/, 'the jump comes before the host\'s ACCEPT')
  t.same(await iptables.verify(ruleset, config.chainPrefix), [], 'what is in place is what was rendered')

  t.same(await iptables.clear(config.chainPrefix), ['v4', 'v6'])
  t.equal(withoutComments(await netns.save('v4')), host.v4, 'IPv4: the host\'s rules and chains are exactly as they were')
  t.equal(withoutComments(await netns.save('v6')), host.v6, 'IPv6: the host\'s rules and chains are exactly as they were')
  t.same(await iptables.clear(config.chainPrefix), [], 'a second clear has nothing to do')
})

t.test('clear also removes jumps someone else added to Gatekeeper\'s chains', async t => {
  const netns = await createNetns(t)
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 5432 }] })
  if (config === null) throw new Error('config expected')
  const iptables = createIptables({ exec: netns.exec })
  await iptables.apply(renderRuleset(config, { mode: 'open', allowlist: [] }), config.chainPrefix)
  const extra = await netns.run(['iptables', '-A', 'FORWARD', '-s', '192.0.2.1', '-j', 'GATEKEEPER-INPUT'])
  t.equal(extra.code, 0, extra.stderr)

  t.same(await iptables.clear(config.chainPrefix), ['v4', 'v6'])
  const after = await netns.save('v4')
  t.notMatch(after, /GATEKEEPER/, 'no chain, no jump left')
})
