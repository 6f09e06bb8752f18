import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { createFirewall } from '../src/firewall/firewall.js'
import { createNetns } from './helpers/netns.js'

const quiet = { info () {}, warn () {}, error () {} }

// wraps every iptables command: a second one starting while another runs leaves "overlap" in the log
const WRAPPER = `#!/bin/sh
lock="$1"; log="$2"; shift 2
mkdir "$lock" 2>/dev/null || echo overlap >> "$log"
echo "$*" >> "$log"
"$@"; status=$?
rmdir "$lock" 2>/dev/null
exit $status
`

t.test('concurrent syncs never run two iptables commands at once, and the latest state wins', async t => {
  const netns = await createNetns(t)
  const dir = await mkdtemp(join(tmpdir(), 'gk-serial-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const wrapper = join(dir, 'wrap.sh')
  const log = join(dir, 'commands.log')
  await writeFile(wrapper, WRAPPER)
  await writeFile(log, '')
  const config = parseFirewallConfig({ apply: 'direct', ports: [{ port: 9000 }] })
  if (config === null) throw new Error('config expected')
  const firewall = createFirewall(config, quiet, { iptables: { exec: ['sh', wrapper, join(dir, 'lock'), log, ...netns.exec] } })
  t.teardown(() => firewall.close())

  const syncs = [1, 2, 3, 4, 5, 6].map(n => firewall.sync({ mode: 'closed', allowlist: [`127.0.0.${n}/32`] }))
  const results = await Promise.all(syncs)
  t.same(results, syncs.map(() => ({ ok: true })), 'every caller hears that its state (or a later one) is in place')

  const commands = (await readFile(log, 'utf8')).trim().split('\n')
  t.notOk(commands.includes('overlap'), 'no two iptables commands ran at the same time')
  t.equal(commands.filter(line => /ip6?tables-restore/.test(line)).length, 4,
    'two applies of two families: the first state, then the last of the five that queued behind it')
  const rules = await netns.save('v4')
  t.match(rules, /-s 127\.0\.0\.6\/32 /, 'the latest state is in place')
  t.notMatch(rules, /-s 127\.0\.0\.[2-5]\/32 /, 'the states it replaced were never applied')

  // a caller that syncs again the moment its first sync returns must not find the queue stuck
  const stuck = new Promise(resolve => setTimeout(() => resolve('stuck'), 10_000).unref())
  const second = firewall.sync({ mode: 'closed', allowlist: ['127.0.0.7/32'] })
    .then(() => Promise.race([firewall.sync({ mode: 'closed', allowlist: ['127.0.0.8/32'] }), stuck]))
  t.same(await second, { ok: true }, 'a sync made in the first moment after another one returned is applied')
  t.match(await netns.save('v4'), /-s 127\.0\.0\.8\/32 /)
})
