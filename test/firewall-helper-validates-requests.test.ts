import { mkdtemp, rm, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { createFirewall } from '../src/firewall/firewall.js'
import { requestRuleset } from '../src/firewall/helper-client.js'
import { startHelperServer } from '../src/firewall/helper-server.js'
import type { RulesetInput } from '../src/firewall/render.js'
import { createNetns } from './helpers/netns.js'

const quiet = { info () {}, warn () {}, error () {} }
const withoutComments = (text: string) => text.split('\n').filter(line => !line.startsWith('#')).join('\n')

/** Whatever bytes a compromised proxy might send, as one line. */
function sendRaw (socketPath: string, line: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath)
    let text = ''
    socket.on('data', chunk => { text += chunk.toString() })
    socket.on('end', () => resolve(JSON.parse(text) as Record<string, unknown>))
    socket.on('error', reject)
    socket.end(`${line}\n`)
  })
}

t.test('the privileged helper applies only states it has checked, over a real unix socket', async t => {
  const netns = await createNetns(t)
  const dir = await mkdtemp(join(tmpdir(), 'gk-helper-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const socketPath = join(dir, 'run', 'firewall.sock')
  const config = parseFirewallConfig({ apply: 'helper', helperSocket: socketPath, helperGroup: 4242, ports: [{ port: 9000 }] })
  if (config === null) throw new Error('config expected')
  await netns.listen('127.0.0.1', 9000)

  const helper = await startHelperServer({ config, logger: quiet, iptables: { exec: netns.exec } })
  let helperOpen = true
  t.teardown(() => helperOpen ? helper.close() : undefined)

  const booted = await netns.save('v4')
  t.match(booted, /-A GATEKEEPER-INPUT -p tcp -m tcp --dport 9000 -j GATEKEEPER-ALLOW/, 'with no rules in place the helper starts closed')
  t.match(booted, /-A GATEKEEPER-ALLOW -j DROP/)
  t.notMatch(booted, /-j RETURN/, 'and lets no one in until the proxy speaks')

  const socket = await stat(socketPath)
  t.equal(socket.mode & 0o777, 0o660, 'the socket is rw for owner and group only')
  t.equal(socket.gid, 4242, 'the socket belongs to the configured group')

  await t.rejects(startHelperServer({ config, logger: quiet, iptables: { exec: netns.exec } }), /another helper is already listening/,
    'a second helper does not take over the socket')

  const refusals: Array<[string, Promise<Record<string, unknown>>, RegExp]> = [
    ['a CIDR with a bad prefix', requestRuleset(socketPath, { mode: 'closed', allowlist: ['127.0.0.5/33'] }) as unknown as Promise<Record<string, unknown>>, /127\.0\.0\.5\/33.*prefix/],
    ['a CIDR with host bits set', requestRuleset(socketPath, { mode: 'closed', allowlist: ['127.0.0.5/8'] }) as unknown as Promise<Record<string, unknown>>, /host bits/],
    ['rule text smuggled into a CIDR', requestRuleset(socketPath, { mode: 'closed', allowlist: ['0.0.0.0/0 -j ACCEPT'] }) as unknown as Promise<Record<string, unknown>>, /invalid CIDR/],
    ['an unknown mode', requestRuleset(socketPath, { mode: 'ajar', allowlist: [] } as unknown as RulesetInput) as unknown as Promise<Record<string, unknown>>, /unknown mode "ajar"/],
    ['a field that is not mode or allowlist', sendRaw(socketPath, JSON.stringify({ mode: 'open', allowlist: [], rules: ['-F INPUT'] })), /unknown field "rules"/],
    ['a line that is not JSON', sendRaw(socketPath, 'mode=open'), /not JSON/]
  ]
  for (const [what, pending, why] of refusals) {
    t.match(await pending, { ok: false, applied: false, error: why }, `refuses ${what}`)
  }
  t.equal(withoutComments(await netns.save('v4')), withoutComments(booted), 'no refused request changed a rule')

  const good = await requestRuleset(socketPath, { mode: 'closed', allowlist: ['127.0.0.5/32', '2001:db8::/32'] })
  t.match(good, { ok: true, applied: true, appliedAt: /^\d{4}-/ })
  t.match(await netns.save('v4'), /-A GATEKEEPER-ALLOW -s 127\.0\.0\.5\/32 -j RETURN/)
  t.match(await netns.save('v6'), /-A GATEKEEPER-ALLOW -s 2001:db8::\/32 -j RETURN/)

  const firewall = createFirewall(config, quiet, { retryMs: 50 })
  t.teardown(() => firewall.close())
  t.same(await firewall.sync({ mode: 'closed', allowlist: ['127.0.0.6/32'] }), { ok: true }, 'the proxy\'s firewall syncs through the helper')
  t.same(await Promise.all([netns.connect('127.0.0.1', 9000, '127.0.0.6'), netns.connect('127.0.0.1', 9000, '127.0.0.5')]),
    ['connected', 'timed out'], 'and the port follows')
  t.match(await firewall.sync({ mode: 'closed', allowlist: ['::1/64'] }), { ok: false, failedClosed: true, error: /host bits/ },
    'a refusal reaches the proxy, and the helper failed closed')
  t.equal(await netns.connect('127.0.0.1', 9000, '127.0.0.6'), 'timed out', 'the entry the refused state left out is not admitted')

  await helper.close()
  helperOpen = false
  await t.rejects(stat(socketPath), { code: 'ENOENT' }, 'the socket is removed on close')
  t.match(await netns.save('v4'), /--dport 9000 -j GATEKEEPER-ALLOW/, 'the rules stay after the helper stops')
  t.match(await firewall.sync({ mode: 'open', allowlist: [] }), { ok: false, error: /firewall helper .* not running/ },
    'with the helper gone the proxy is told so, and nothing opens')
  t.equal(firewall.health().ok, false)
  t.match(await netns.save('v4'), /--dport 9000 -j GATEKEEPER-ALLOW/, 'the port is still closed')

  const restarted = await startHelperServer({ config, logger: quiet, iptables: { exec: netns.exec } })
  t.teardown(() => restarted.close())
  for (let tries = 0; tries < 100 && !firewall.health().ok; tries++) await new Promise(resolve => setTimeout(resolve, 50))
  t.equal(firewall.health().ok, true, 'once the helper is back, the failed sync is retried without a new state change')
  t.notMatch(await netns.save('v4'), /--dport 9000/, 'and the port follows the open state')
})
