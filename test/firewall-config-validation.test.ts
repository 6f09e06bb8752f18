import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'

t.test('no firewall key means no firewall', async t => {
  t.equal(parseFirewallConfig(undefined), null)
  t.equal(parseFirewallConfig(null), null)
})

t.test('defaults fill what is left out', async t => {
  t.same(parseFirewallConfig({ apply: 'helper', ports: [{ port: 5432 }], upstreamPort: { port: 3000, allowUids: ['root', 1001] } }), {
    enabled: true,
    chainPrefix: 'GATEKEEPER',
    ports: [{ port: 5432, proto: 'tcp', whenClosed: 'allowlist-only', whenOpen: 'open', alwaysAllow: [] }],
    upstreamPort: { port: 3000, allowUids: [0, 1001] },
    apply: 'helper',
    helperSocket: '/run/gatekeeper/firewall.sock',
    helperGroup: null
  })
  const direct = parseFirewallConfig({ apply: 'direct', upstreamPort: { port: 3000 } })
  t.same(direct?.upstreamPort?.allowUids, [process.getuid?.()], 'applying directly, the upstream is kept for this process\'s own user')
  t.same(parseFirewallConfig({ apply: 'direct', ports: [{ port: 5432, alwaysAllow: ['10.0.0.7', '2001:DB8::/32'] }] })?.ports[0]?.alwaysAllow,
    ['10.0.0.7/32', '2001:db8::/32'], 'alwaysAllow entries are made canonical')
  t.equal(parseFirewallConfig({ enabled: false, apply: 'direct' })?.enabled, false, 'a disabled firewall may protect nothing')
})

t.test('a bad key is named in the error', async t => {
  const cases: Array<[unknown, RegExp]> = [
    [{ apply: 'direct', ports: [{ port: 1 }, { port: 2, proto: 'icmp' }] }, /firewall\.ports\[1\]\.proto: must be one of tcp, udp, got "icmp"/],
    [{ ports: [{ port: 1 }] }, /firewall\.apply: is required: "helper" .* or "direct"/],
    [{ apply: 'sideways', ports: [{ port: 1 }] }, /firewall\.apply: must be one of direct, helper/],
    [{ apply: 'direct', ports: [{ port: 70000 }] }, /firewall\.ports\[0\]\.port: must be a whole number from 1 to 65535, got 70000/],
    [{ apply: 'direct', ports: [{ proto: 'tcp' }] }, /firewall\.ports\[0\]\.port: is required/],
    [{ apply: 'direct', ports: [{ port: 1, whenClosed: 'open' }] }, /firewall\.ports\[0\]\.whenClosed: must be one of allowlist-only, drop/],
    [{ apply: 'direct', ports: [{ port: 1, whenOpen: 'drop' }] }, /firewall\.ports\[0\]\.whenOpen: must be one of open, allowlist-only/],
    [{ apply: 'direct', ports: [{ port: 1, whenclosed: 'drop' }] }, /firewall\.ports\[0\]\.whenclosed: is not a known setting/],
    [{ apply: 'direct', ports: [{ port: 1, alwaysAllow: ['10.0.0.1/8'] }] }, /firewall\.ports\[0\]\.alwaysAllow\[0\]: .*host bits are set.*10\.0\.0\.0\/8/],
    [{ apply: 'direct', ports: [{ port: 1 }, { port: 1 }] }, /firewall\.ports\[1\]: 1\/tcp is listed twice/],
    [{ apply: 'direct' }, /firewall: is enabled but protects nothing/],
    [{ apply: 'direct', chainPrefix: 'GATE KEEPER', ports: [{ port: 1 }] }, /firewall\.chainPrefix: must be a letter/],
    [{ apply: 'direct', chainPrefix: 'A'.repeat(21), ports: [{ port: 1 }] }, /firewall\.chainPrefix/],
    [{ apply: 'helper', upstreamPort: { port: 3000 } }, /firewall\.upstreamPort\.allowUids: is required with apply: helper/],
    [{ apply: 'direct', upstreamPort: { port: 3000, allowUids: [] } }, /firewall\.upstreamPort\.allowUids: must name at least one user/],
    [{ apply: 'direct', upstreamPort: { port: 3000, allowUids: ['no-such-user-here'] } }, /firewall\.upstreamPort\.allowUids\[0\]: no user named "no-such-user-here"/],
    [{ apply: 'direct', upstreamPort: { port: 3000, allowUids: ['x; rm'] } }, /firewall\.upstreamPort\.allowUids\[0\]: must be a user name or a numeric id/],
    [{ apply: 'direct', ports: [{ port: 3000 }], upstreamPort: { port: 3000, allowUids: [0] } }, /firewall\.upstreamPort\.port: 3000\/tcp is also in firewall\.ports/],
    [{ apply: 'helper', helperSocket: 'run/fw.sock', ports: [{ port: 1 }] }, /firewall\.helperSocket: must be an absolute path/],
    [{ apply: 'helper', helperGroup: 'no-such-group-here', ports: [{ port: 1 }] }, /firewall\.helperGroup: no group named/],
    [{ apply: 'direct', port: 5432 }, /firewall\.port: is not a known setting/],
    ['on', /firewall: must be a mapping, got "on"/]
  ]
  for (const [raw, message] of cases) {
    t.throws(() => parseFirewallConfig(raw), { code: 'GK_ERR_CONFIG', message }, String(message))
  }
  t.throws(() => parseFirewallConfig({ apply: 'direct', ports: 'x' }, 'fw'), { message: /fw\.ports: must be a list/ }, 'the path names the key where the caller found it')
})
