import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { requestRuleset } from '../src/firewall/helper-client.js'
import type { HelperResponse } from '../src/firewall/helper-protocol.js'
import { startHelperServer } from '../src/firewall/helper-server.js'
import { createNetns } from './helpers/netns.js'

const quiet = { info () {}, warn () {}, error () {} }

t.test('the helper refuses CIDRs written loosely, and admits everyone for a whole-space entry without a false mismatch', async t => {
  const netns = await createNetns(t)
  const dir = await mkdtemp(join(tmpdir(), 'gk-helper-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const socketPath = join(dir, 'firewall.sock')
  const config = parseFirewallConfig({ apply: 'helper', helperSocket: socketPath, ports: [{ port: 9000 }] })
  if (config === null) throw new Error('config expected')
  await netns.listen('127.0.0.1', 9000)
  await netns.listen('::1', 9000)
  const helper = await startHelperServer({ config, logger: quiet, iptables: { exec: netns.exec } })
  t.teardown(() => helper.close())

  const sloppy: Array<[string, RegExp]> = [
    ['10.0.0.0/08', /allowlist\[0\].*"10\.0\.0\.0\/08".*leading zero/],
    [' 10.0.0.0/8', /allowlist\[0\].*" 10\.0\.0\.0\/8".*space/],
    ['10.0.0.0/8\r', /allowlist\[0\].*"10\.0\.0\.0\/8\\r".*space/],
    ['10.0.0.0/8\n', /allowlist\[0\].*space/],
    ['\t::1/128', /allowlist\[0\].*space/]
  ]
  for (const [cidr, why] of sloppy) {
    const answer: HelperResponse = await requestRuleset(socketPath, { mode: 'closed', allowlist: [cidr] })
    t.match(answer, { ok: false, applied: false, error: why }, `refuses ${JSON.stringify(cidr)}`)
  }

  const strict = await requestRuleset(socketPath, { mode: 'closed', allowlist: ['10.0.0.0/8', '2001:db8::/32', '127.0.0.5'] })
  t.match(strict, { ok: true, applied: true }, 'the canonical forms, and a bare address, are taken')

  for (const everyone of ['0.0.0.0/0', '::ffff:0:0/96', '::/0']) {
    const answer = await requestRuleset(socketPath, { mode: 'closed', allowlist: [everyone] })
    t.match(answer, { ok: true, applied: true }, `${everyone} is applied and verified`)
    t.notOk(answer.error, 'no mismatch is reported')
  }
  const answer = await requestRuleset(socketPath, { mode: 'closed', allowlist: ['0.0.0.0/0', '::/0'] })
  t.match(answer, { ok: true, applied: true })
  t.same(await Promise.all([netns.connect('127.0.0.1', 9000, '127.0.0.9'), netns.connect('::1', 9000, '::3')]),
    ['connected', 'connected'], 'an entry for the whole address space admits everyone, as it does at the gate')
})
