import t from 'tap'
import { createIptables } from '../src/firewall/apply.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { renderRuleset } from '../src/firewall/render.js'
import { createNetns } from './helpers/netns.js'

// iptables-save stamps every dump with the time; the rules are what matters
const withoutComments = (text: string) => text.split('\n').filter(line => !line.startsWith('#')).join('\n')

t.test('a ruleset iptables rejects leaves the previous rules in place', async t => {
  const netns = await createNetns(t)
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 9000 }] })
  if (config === null) throw new Error('config expected')
  const iptables = createIptables({ exec: netns.exec })
  await netns.listen('127.0.0.1', 9000)

  const good = renderRuleset(config, { mode: 'closed', allowlist: ['127.0.0.5/32', '::2/128'] })
  await iptables.apply(good, config.chainPrefix)
  const before = { v4: withoutComments(await netns.save('v4')), v6: withoutComments(await netns.save('v6')) }
  t.match(before.v4, /-A GATEKEEPER-ALLOW -s 127\.0\.0\.5\/32 -j RETURN/)

  // a valid first half, then a line iptables refuses: nothing of it may stick
  const next = renderRuleset(config, { mode: 'closed', allowlist: ['127.0.0.6/32'] })
  const broken = { ...next, v4: next.v4.replace('COMMIT', '-A GATEKEEPER-INPUT -s 127.0.0.300/32 -j RETURN\nCOMMIT') }
  await t.rejects(iptables.apply(broken, config.chainPrefix), { code: 'GK_ERR_FIREWALL_REJECTED', message: /iptables-restore rejected the ruleset.*127\.0\.0\.300/ })
  t.equal(withoutComments(await netns.save('v4')), before.v4, 'the IPv4 rules are exactly as before')
  t.equal(withoutComments(await netns.save('v6')), before.v6, 'the IPv6 rules were not touched either')
  t.same(await Promise.all([netns.connect('127.0.0.1', 9000, '127.0.0.5'), netns.connect('127.0.0.1', 9000, '127.0.0.6')]),
    ['connected', 'timed out'], 'traffic still follows the previous rules')

  const brokenV6 = { ...next, v6: next.v6.replace('COMMIT', '-A GATEKEEPER-INPUT -p tcp --dport 70000 -j DROP\nCOMMIT') }
  await t.rejects(iptables.apply(brokenV6, config.chainPrefix), { message: /ip6tables-restore rejected the ruleset.*the v4 rules were already changed/ },
    'a family rejected after the other went in says so')
  t.equal(withoutComments(await netns.save('v6')), before.v6, 'the IPv6 rules are exactly as before')
})
