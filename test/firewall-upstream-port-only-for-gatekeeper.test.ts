import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { createFirewall } from '../src/firewall/firewall.js'
import { createNetns } from './helpers/netns.js'

const quiet = { info () {}, warn () {}, error () {} }

function firewallFor (allowUids: number[], exec: string[]) {
  const config = parseFirewallConfig({ apply: 'direct', upstreamPort: { port: 3000, allowUids } })
  if (config === null) throw new Error('config expected')
  return createFirewall(config, quiet, { iptables: { exec } })
}

t.test('the upstream\'s port is reachable by the allowed users over loopback only, in every mode', async t => {
  const host = await createNetns(t)
  const outside = await createNetns(t)
  await host.link(outside, '10.200.0.1/24', '10.200.0.2/24')
  await host.listen('0.0.0.0', 3000)
  await host.listen('::1', 3000)

  t.same(await Promise.all([
    host.connect('127.0.0.1', 3000, '127.0.0.1'),
    outside.connect('10.200.0.1', 3000, '10.200.0.2')
  ]), ['connected', 'connected'], 'without rules, anyone reaches the upstream, from inside and from another machine')

  // the test's processes run as root: allowing uid 0 stands for allowing the gatekeeper's user
  const asGatekeeper = firewallFor([0], host.exec)
  t.teardown(() => asGatekeeper.close())
  for (const mode of ['closed', 'open'] as const) {
    t.same(await asGatekeeper.sync({ mode, allowlist: ['10.200.0.0/24'] }), { ok: true })
    t.same(await Promise.all([
      host.connect('127.0.0.1', 3000, '127.0.0.1'),
      host.connect('::1', 3000, '::1'),
      outside.connect('10.200.0.1', 3000, '10.200.0.2')
    ]), ['connected', 'connected', 'timed out'], `${mode}: the allowed user connects over loopback; another machine is dropped, allowlisted or not`)
  }

  const asSomeoneElse = firewallFor([4242], host.exec)
  t.teardown(() => asSomeoneElse.close())
  t.same(await asSomeoneElse.sync({ mode: 'open', allowlist: [] }), { ok: true })
  t.same(await Promise.all([
    host.connect('127.0.0.1', 3000, '127.0.0.1'),
    host.connect('::1', 3000, '::1')
  ]), ['refused', 'refused'], 'a process of any other user is refused at once')
})
