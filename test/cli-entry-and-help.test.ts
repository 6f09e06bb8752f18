import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { CLI, cliFor } from './helpers/cli.js'
import { OPERATOR_TOKEN, startHarness, tempDir } from './helpers/harness.js'

const COMMANDS = [
  'status', 'close', 'open', 'read-only', 'stage',
  'ramp start', 'ramp pause', 'ramp resume', 'ramp promote', 'ramp abort', 'ramp show', 'ramp watch',
  'schedule create', 'schedule show', 'schedule extend', 'schedule cancel',
  'admission', 'allow add', 'allow list', 'allow remove', 'token create', 'token list', 'token revoke',
  'audit', 'instances'
]

t.test('gatekeeper help lists every command and the exit codes; each command has its --help', async (t) => {
  const { run } = cliFor(t, null)
  const help = await run(['help'])
  t.equal(help.code, 0)
  for (const name of COMMANDS) t.match(help.stdout, new RegExp(`^ {2}${name}\\s{2,}\\S`, 'm'), `help lists ${name}`)
  t.match(help.stdout, /^ {2}serve \[--config FILE\]/m, 'and the process commands')
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 130]) t.match(help.stdout, new RegExp(`^ {2}${code}\\s+\\S`, 'm'), `exit code ${code} is documented`)

  const bare = await run([])
  t.equal(bare.code, 2, 'no command: the usage, exit 2')
  t.match(bare.stdout, /^Usage: gatekeeper <command>/m)

  // every --help answers without an admin API (the environment names none) and despite other bad arguments
  const helps = await Promise.all(COMMANDS.map((name) => run([...name.split(' '), '--bogus', '--help'])))
  COMMANDS.forEach((name, i) => {
    t.equal(helps[i]?.code, 0, `${name} --help: exit 0`)
    t.match(helps[i]?.stdout, new RegExp(`^Usage: gatekeeper ${name}`, 'm'), `${name} --help: its usage`)
    t.match(helps[i]?.stdout, /--json/, `${name} --help: the connection options`)
  })
  const [viaHelp, viaFlag, group] = await Promise.all([run(['help', 'ramp', 'start']), run(['ramp', 'start', '-h']), run(['token', '--help'])])
  t.equal(viaHelp.stdout, viaFlag.stdout, 'gatekeeper help ramp start is ramp start --help')
  t.match(group.stdout, /^ {2}token create\s+make a named, expiring bypass token/m, 'a group lists its commands')
  const unknown = await run(['help', 'frobnicate'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /no command "frobnicate"/)
})

t.test('serve runs from the bin entry, the admin commands reach it through the environment, SIGTERM stops it', async (t) => {
  const dir = tempDir(t)
  const config = join(dir, 'gatekeeper.yaml')
  writeFileSync(config, [
    'listen: { host: 127.0.0.1, port: 0 }',
    'upstream: http://127.0.0.1:9',
    'admin:',
    '  listen: { host: 127.0.0.1, port: 0 }',
    '  tokens: [{ name: ops, role: operator, tokenEnv: GK_TEST_OPERATOR }]',
    `store: { type: file, path: ${JSON.stringify(join(dir, 'state.json'))} }`,
    `maintenance: { pagesDir: ${JSON.stringify(join(process.cwd(), 'maintenance-pages'))} }`,
    'logLevel: info'
  ].join('\n'))
  const server = spawn(process.execPath, [CLI, 'serve', '--config', config], {
    env: { PATH: process.env.PATH ?? '', GK_TEST_OPERATOR: OPERATOR_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000
  })
  t.teardown(() => { if (server.exitCode === null) server.kill('SIGKILL') })
  let log = ''
  let errors = ''
  server.stderr.setEncoding('utf8').on('data', (chunk: string) => { errors += chunk })
  // both listeners log "Server listening at"; the admin one asks for a bearer token
  const listening = await new Promise<string[]>((resolve, reject) => {
    const seen: string[] = []
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk
      for (const match of log.matchAll(/"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/g)) {
        if (!seen.includes(match[1] as string)) seen.push(match[1] as string)
      }
      if (seen.length === 2) resolve(seen)
    })
    server.on('exit', () => reject(new Error(`serve exited early: ${errors}`)))
  })
  const answers = await Promise.all(listening.map(async (url) => (await fetch(`${url}/v1/state`)).headers.get('www-authenticate') ?? ''))
  const adminUrl = listening[answers.findIndex((challenge) => challenge.startsWith('Bearer'))] as string
  const { run } = cliFor(t, null, { GATEKEEPER_URL: adminUrl, GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  const closed = await run(['close', '--reason', 'From the bin entry'])
  t.equal(closed.code, 0, closed.stderr)
  t.match(closed.stdout, /^mode:\s+closed$/m)
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)))
  server.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM: a clean stop')
  t.match(errors, /stopped on SIGTERM/)
})

t.test('firewall plan renders the rules for the mode and allowlist the running gatekeeper serves', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '10.20.0.0/16', label: 'ops network' }] })
  const config = join(h.dir, 'firewall.yaml')
  writeFileSync(config, [
    'upstream: http://127.0.0.1:9',
    'admin: { tokens: [{ name: ops, role: operator, tokenEnv: GK_TEST_OPERATOR }] }',
    'firewall: { enabled: false, apply: direct, ports: [{ port: 5432 }] }'
  ].join('\n'))
  const { run } = cliFor(t, h, { GK_TEST_OPERATOR: OPERATOR_TOKEN })
  await h.admin('POST', '/v1/close')
  await h.admin('POST', '/v1/allowlist', { cidr: '192.0.2.7/32', label: 'DBA' })
  await h.admin('POST', '/v1/allowlist', { cidr: '2001:db8::/48', label: 'testers' })

  const plan = await run(['firewall', 'plan', '--config', config])
  t.equal(plan.code, 0, plan.stderr)
  t.match(plan.stdout, /firewall\.enabled is false: these rules are not applied/)
  t.match(plan.stdout, /mode closed/)
  t.match(plan.stdout, /--dport 5432 -j GATEKEEPER-ALLOW/, 'the port consults the allowlist')
  t.match(plan.stdout, /-A GATEKEEPER-ALLOW -s 10\.20\.0\.0\/16 -j RETURN/, 'the static allowlist, from the running gatekeeper')
  t.match(plan.stdout, /-A GATEKEEPER-ALLOW -s 192\.0\.2\.7\/32 -j RETURN/, 'and its dynamic entries')
  t.match(plan.stdout, /-A GATEKEEPER-ALLOW -s 2001:db8::\/48 -j RETURN/)

  const unreachable = await run(['firewall', 'plan', '--config', config], { GATEKEEPER_URL: 'http://127.0.0.1:1' })
  t.equal(unreachable.code, 3, 'no admin API: exit 3, nothing rendered')
  t.equal(unreachable.stdout, '')
  const unknown = await run(['firewall', 'flush'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown command "flush"/)
})
