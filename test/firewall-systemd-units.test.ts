import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

const UNITS = ['gatekeeper.service', 'gatekeeper-firewall.service']
const hasAnalyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).error === undefined

function settingsOf (text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (match === null) continue
    settings.set(match[1] as string, [...(settings.get(match[1] as string) ?? []), match[2] as string])
  }
  return settings
}

t.test('the units keep the proxy unprivileged and the helper down to CAP_NET_ADMIN', async t => {
  const proxy = settingsOf(await readFile(new URL('../systemd/gatekeeper.service', import.meta.url), 'utf8'))
  t.same(proxy.get('User'), ['gatekeeper'])
  t.same(proxy.get('CapabilityBoundingSet'), [''], 'the proxy holds no capability at all')
  t.same(proxy.get('StateDirectory'), ['gatekeeper'], 'its state lives in /var/lib/gatekeeper')
  t.same(proxy.get('RestrictAddressFamilies'), ['AF_INET AF_INET6 AF_UNIX'])
  for (const [key, value] of [['Restart', 'on-failure'], ['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes']]) {
    t.same(proxy.get(key as string), [value], `${key}=${value}`)
  }
  t.ok(proxy.get('SystemCallFilter')?.includes('@system-service'))

  const helper = settingsOf(await readFile(new URL('../systemd/gatekeeper-firewall.service', import.meta.url), 'utf8'))
  t.same(helper.get('CapabilityBoundingSet'), ['CAP_NET_ADMIN'])
  t.same(helper.get('AmbientCapabilities'), ['CAP_NET_ADMIN'])
  t.same(helper.get('Group'), ['gatekeeper'], 'its socket belongs to the proxy\'s group')
  t.match(helper.get('ExecStart'), [/ firewall helper --config /])
})

t.test('the unit starts node with the memory settings of the script\'s first line', async t => {
  const proxy = settingsOf(await readFile(new URL('../systemd/gatekeeper.service', import.meta.url), 'utf8'))
  const firstLine = (await readFile(new URL('../src/cli.ts', import.meta.url), 'utf8')).split('\n', 1)[0] as string
  const words = firstLine.replace(/^#!\/usr\/bin\/env -S /, '').split(' ')
  const node = words.indexOf('node')
  t.ok(node > 0 && firstLine.startsWith('#!/usr/bin/env -S '), `the script sets its environment and flags: ${firstLine}`)
  const flags = words.slice(node + 1)
  t.ok(flags.includes('--max-semi-space-size=4'), 'a small young generation')
  t.same(proxy.get('ExecStart'), [`/usr/bin/node ${flags.join(' ')} /usr/lib/gatekeeper/dist/src/cli.js serve --config /etc/gatekeeper/gatekeeper.yaml`],
    'the unit passes node the same flags')
  for (const assignment of words.slice(0, node)) {
    t.ok(proxy.get('Environment')?.includes(assignment), `the unit sets ${assignment}`)
  }
})

t.test('systemd-analyze accepts the units and rates them well', async t => {
  if (!hasAnalyze) throw new Error('systemd-analyze is not installed: apt-get install -y systemd (test/system-deps.sh does it as root)')
  const dir = await mkdtemp(join(tmpdir(), 'gk-units-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  for (const unit of UNITS) {
    let text = await readFile(new URL(`../systemd/${unit}`, import.meta.url), 'utf8')
    // verify checks that the program exists; where node lives elsewhere, point at it
    if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node', process.execPath)
    await writeFile(join(dir, unit), text)
  }
  const paths = UNITS.map(unit => join(dir, unit))
  const verify = spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8' })
  t.equal(verify.status, 0, `systemd-analyze verify: ${verify.stderr}`)
  // verify only warns about an unknown key or a bad value, and still exits 0
  t.same(verify.stderr.split('\n').filter(line => line.includes(dir)), [], 'no warning about either unit')
  for (const path of paths) {
    const security = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', path], { encoding: 'utf8' })
    const score = /Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout)
    t.ok(score !== null && Number(score[1]) <= 2, `${path}: exposure ${score?.[1] ?? security.stderr} is at most 2.0`)
  }
})
