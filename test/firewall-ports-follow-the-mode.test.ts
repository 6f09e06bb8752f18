import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { createFirewall } from '../src/firewall/firewall.js'
import { createNetns } from './helpers/netns.js'

const quiet = { info () {}, warn () {}, error () {} }

t.test('protected ports follow the mode and the allowlist', async t => {
  const netns = await createNetns(t)
  const config = parseFirewallConfig({
    apply: 'direct',
    ports: [
      { port: 9000, proto: 'tcp', whenClosed: 'allowlist-only', whenOpen: 'open' },
      { port: 9001, proto: 'tcp', whenClosed: 'drop', whenOpen: 'allowlist-only' }
    ]
  })
  if (config === null) throw new Error('config expected')
  const firewall = createFirewall(config, quiet, { iptables: { exec: netns.exec } })
  t.teardown(() => firewall.close())
  await netns.listen('127.0.0.1', 9000)
  await netns.listen('127.0.0.1', 9001)
  await netns.listen('::1', 9000)

  const reach = (port: number, from: string) => netns.connect(from.includes(':') ? '::1' : '127.0.0.1', port, from)

  t.same(await Promise.all([reach(9000, '127.0.0.6'), reach(9001, '127.0.0.6')]), ['connected', 'connected'], 'nothing is filtered before the first sync')
  t.equal(firewall.health().ok, false, 'health says no ruleset is applied yet')

  t.same(await firewall.sync({ mode: 'closed', allowlist: ['127.0.0.5/32', '::2/128'] }), { ok: true })
  t.equal(firewall.health().ok, true)
  t.type(firewall.health().appliedAt, 'string')
  t.same(await Promise.all([
    reach(9000, '127.0.0.5'), reach(9000, '127.0.0.6'),
    reach(9000, '::2'), reach(9000, '::3'),
    reach(9001, '127.0.0.5')
  ]), ['connected', 'timed out', 'connected', 'timed out', 'timed out'],
  'closed: the allowlisted sources reach 9000, others do not; 9001 drops everyone')

  await firewall.sync({ mode: 'open', allowlist: ['127.0.0.5/32', '::2/128'] })
  t.same(await Promise.all([
    reach(9000, '127.0.0.5'), reach(9000, '127.0.0.6'), reach(9000, '::3'),
    reach(9001, '127.0.0.5'), reach(9001, '127.0.0.6')
  ]), ['connected', 'connected', 'connected', 'connected', 'timed out'],
  'open: 9000 is open to all, 9001 to the allowlist only')

  await firewall.sync({ mode: 'closed', allowlist: ['127.0.0.6/32', '::2/128'] })
  t.same(await Promise.all([reach(9000, '127.0.0.6'), reach(9000, '127.0.0.5')]), ['connected', 'timed out'],
    'an added entry gets in and a removed one is shut out on the next sync')

  for (const mode of ['staged', 'read-only'] as const) {
    await firewall.sync({ mode, allowlist: [] })
    t.same(await Promise.all([reach(9000, '127.0.0.6'), reach(9000, '::2')]), ['timed out', 'timed out'], `${mode} closes the ports like closed`)
  }
})
