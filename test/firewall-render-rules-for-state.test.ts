import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { renderRuleset } from '../src/firewall/render.js'
import { MAX_ALLOWLIST_ENTRIES } from '../src/state/limits.js'

const config = parseFirewallConfig({
  apply: 'helper',
  ports: [
    { port: 9000, proto: 'tcp', whenClosed: 'allowlist-only', whenOpen: 'open' },
    { port: 5432, proto: 'tcp', whenClosed: 'drop', whenOpen: 'allowlist-only', alwaysAllow: ['10.0.0.7/32', 'fd00::7'] },
    { port: 161, proto: 'udp', whenClosed: 'allowlist-only', whenOpen: 'allowlist-only' }
  ],
  upstreamPort: { port: 3000, allowUids: [1001] }
})
if (config === null) throw new Error('config expected')

const rulesOf = (text: string) => text.split('\n').filter(line => line.startsWith('-A '))

t.test('closed: allowlisted sources only, drop means everyone but alwaysAllow, the upstream for its user only', async t => {
  const ruleset = renderRuleset(config, { mode: 'closed', allowlist: ['192.0.2.0/24', '2001:db8::/32'] })
  t.same(rulesOf(ruleset.v4), [
    '-A GATEKEEPER-INPUT ! -i lo -p tcp -m tcp --dport 3000 -j DROP',
    '-A GATEKEEPER-OUTPUT -o lo -p tcp -m tcp --dport 3000 --tcp-flags FIN,SYN,RST,ACK SYN -m owner --uid-owner 1001 -j RETURN',
    '-A GATEKEEPER-OUTPUT -o lo -p tcp -m tcp --dport 3000 --tcp-flags FIN,SYN,RST,ACK SYN -j REJECT --reject-with tcp-reset',
    '-A GATEKEEPER-INPUT -p tcp -m tcp --dport 9000 -j GATEKEEPER-ALLOW',
    '-A GATEKEEPER-INPUT -s 10.0.0.7/32 -p tcp -m tcp --dport 5432 -j RETURN',
    '-A GATEKEEPER-INPUT -p tcp -m tcp --dport 5432 -j DROP',
    '-A GATEKEEPER-INPUT -p udp -m udp --dport 161 -j GATEKEEPER-ALLOW',
    '-A GATEKEEPER-ALLOW -s 192.0.2.0/24 -j RETURN',
    '-A GATEKEEPER-ALLOW -j DROP'
  ])
  t.same(rulesOf(ruleset.v6).filter(rule => rule.includes('-s ')), [
    '-A GATEKEEPER-INPUT -s fd00::7/128 -p tcp -m tcp --dport 5432 -j RETURN',
    '-A GATEKEEPER-ALLOW -s 2001:db8::/32 -j RETURN'
  ], 'each family gets its own addresses only')
})

t.test('the allowlist is written once, as the fewest blocks that cover it', async t => {
  const { v4, v6 } = renderRuleset(config, {
    mode: 'closed',
    allowlist: ['10.0.0.0/25', '10.0.0.128/25', '10.0.1.0/24', '10.0.1.7/32', '10.0.3.0/24', '10.0.0.0/24', '2001:db8::/33', '2001:db8:8000::/33']
  })
  t.same(rulesOf(v4).filter(rule => rule.startsWith('-A GATEKEEPER-ALLOW')), [
    '-A GATEKEEPER-ALLOW -s 10.0.0.0/23 -j RETURN',
    '-A GATEKEEPER-ALLOW -s 10.0.3.0/24 -j RETURN',
    '-A GATEKEEPER-ALLOW -j DROP'
  ], 'neighbours join, duplicates and blocks inside others disappear')
  t.same(rulesOf(v6).filter(rule => rule.startsWith('-A GATEKEEPER-ALLOW')), ['-A GATEKEEPER-ALLOW -s 2001:db8::/32 -j RETURN', '-A GATEKEEPER-ALLOW -j DROP'])
  const hosts = Array.from({ length: 5000 }, (_, i) => `10.${i >> 8}.${i & 255}.1/32`)
  const large = rulesOf(renderRuleset(config, { mode: 'closed', allowlist: hosts }).v4)
  t.equal(large.filter(rule => rule.startsWith('-A GATEKEEPER-ALLOW -s ')).length, 5000, 'hosts that do not touch stay one rule each')
  t.equal(large.filter(rule => rule.startsWith('-A GATEKEEPER-INPUT')).length, 5, 'and are not repeated for every port')
})

t.test('an entry for the whole address space is written as iptables-save prints it', async t => {
  const { v4, v6 } = renderRuleset(config, { mode: 'closed', allowlist: ['192.0.2.0/24', '::ffff:0:0/96', '::/0'] })
  t.same(rulesOf(v4).filter(rule => rule.startsWith('-A GATEKEEPER-ALLOW')), ['-A GATEKEEPER-ALLOW -j RETURN', '-A GATEKEEPER-ALLOW -j DROP'])
  t.same(rulesOf(v6).filter(rule => rule.startsWith('-A GATEKEEPER-ALLOW')), ['-A GATEKEEPER-ALLOW -j RETURN', '-A GATEKEEPER-ALLOW -j DROP'])
})

t.test('more entries than the one allowlist limit are refused, not written', async t => {
  const allowlist = Array.from({ length: MAX_ALLOWLIST_ENTRIES + 1 }, () => '192.0.2.1/32')
  t.throws(() => renderRuleset(config, { mode: 'closed', allowlist }), { code: 'GK_ERR_ALLOWLIST_FULL', message: new RegExp(`at most ${MAX_ALLOWLIST_ENTRIES} entries`) })
})

t.test('open: whenOpen decides, the upstream stays guarded', async t => {
  const ruleset = renderRuleset(config, { mode: 'open', allowlist: ['192.0.2.0/24'] })
  const rules = rulesOf(ruleset.v4)
  t.notOk(rules.some(rule => rule.includes('--dport 9000')), '9000 is open: no rule at all')
  t.ok(rules.includes('-A GATEKEEPER-INPUT -p tcp -m tcp --dport 5432 -j GATEKEEPER-ALLOW'), '5432 is allowlist-only when open')
  t.ok(rules.includes('-A GATEKEEPER-ALLOW -s 192.0.2.0/24 -j RETURN'))
  t.ok(rules.includes('-A GATEKEEPER-INPUT -s 10.0.0.7/32 -p tcp -m tcp --dport 5432 -j RETURN'), 'alwaysAllow holds in every mode')
  t.ok(rules.includes('-A GATEKEEPER-INPUT ! -i lo -p tcp -m tcp --dport 3000 -j DROP'))
})

t.test('staged and read-only close the ports exactly like closed', async t => {
  const allowlist = ['192.0.2.0/24']
  const closed = rulesOf(renderRuleset(config, { mode: 'closed', allowlist }).v4)
  t.same(rulesOf(renderRuleset(config, { mode: 'staged', allowlist }).v4), closed)
  t.same(rulesOf(renderRuleset(config, { mode: 'read-only', allowlist }).v4), closed)
})

t.test('the ruleset declares only Gatekeeper\'s chains and puts their jumps first', async t => {
  const { v4 } = renderRuleset(config, { mode: 'closed', allowlist: [] })
  const lines = v4.split('\n').filter(line => line !== '' && !line.startsWith('#'))
  t.same(lines.filter(line => !line.startsWith('-A ')), [
    '*filter',
    ':GATEKEEPER-INPUT - [0:0]',
    ':GATEKEEPER-OUTPUT - [0:0]',
    ':GATEKEEPER-ALLOW - [0:0]',
    '-I INPUT 1 -j GATEKEEPER-INPUT',
    '-I OUTPUT 1 -j GATEKEEPER-OUTPUT',
    'COMMIT'
  ])
  t.ok(lines.filter(line => line.startsWith('-A ')).every(line => /^-A GATEKEEPER-(INPUT|OUTPUT|ALLOW) /.test(line)), 'rules are appended to its own chains only')
  const renamed = parseFirewallConfig({ apply: 'direct', chainPrefix: 'GK2', ports: [{ port: 1 }] })
  if (renamed === null) throw new Error('config expected')
  t.match(renderRuleset(renamed, { mode: 'closed', allowlist: [] }).v4, /:GK2-INPUT - \[0:0\]\n:GK2-OUTPUT - \[0:0\]\n:GK2-ALLOW - \[0:0\]\n-A GK2-INPUT -p tcp -m tcp --dport 1 -j GK2-ALLOW\n/)
})

t.test('a bad allowlist entry is refused, not written', async t => {
  const bad: Array<[string, RegExp]> = [
    ['192.0.2.1/24', /host bits are set/],
    ['010.0.0.1/32', /./],
    ['fe80::1%eth0/128', /zone id/],
    ['10.0.0.0/8 -j ACCEPT', /./],
    ['10.0.0.0/8\n-A INPUT -j ACCEPT', /./],
    ['::/129', /out of range/]
  ]
  for (const [text, message] of bad) {
    t.throws(() => renderRuleset(config, { mode: 'closed', allowlist: [text] }), { code: 'GK_ERR_BAD_CIDR', message }, JSON.stringify(text))
  }
})

t.test('an IPv4-mapped block is written as the IPv4 block it stands for', async t => {
  const { v4, v6 } = renderRuleset(config, { mode: 'closed', allowlist: ['::ffff:198.51.100.0/120'] })
  t.match(v4, /-A GATEKEEPER-ALLOW -s 198\.51\.100\.0\/24 -j RETURN/, 'IPv4 packets carry IPv4 sources')
  t.notMatch(v6, /198\.51\.100/)
})
