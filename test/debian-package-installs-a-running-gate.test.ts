import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

/**
 * The Debian package, built, inspected and installed on this machine (CI's
 * machine is disposable), then purged. The unit's ExecStart runs with the
 * unit's user, environment, working directory and credential, inside a
 * private network namespace so its fixed ports clash with nothing.
 */
t.setTimeout(600_000)

interface Ran { status: number | null, stdout: string, stderr: string }
function run (command: string, args: string[], options: { env?: NodeJS.ProcessEnv, input?: string } = {}): Ran {
  const result = spawnSync(command, args, { encoding: 'utf8', env: options.env ?? process.env, input: options.input, timeout: 300_000 })
  if (result.error !== undefined) throw result.error
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

function unitSettings (text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (match !== null) settings.set(match[1] as string, [...(settings.get(match[1] as string) ?? []), match[2] as string])
  }
  return settings
}

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version
const DEB = `pkg/gatekeeper_${VERSION}_all.deb`

t.test('npm run package:deb builds a package with the program, conffiles and maintainer scripts', async (t) => {
  const built = run('npm', ['run', '--silent', 'package:deb'])
  t.equal(built.status, 0, `npm run package:deb: ${built.stderr}`)
  t.ok(existsSync(DEB), `${DEB} exists`)

  const info = run('dpkg-deb', ['--info', DEB]).stdout
  t.match(info, /Package: gatekeeper/)
  t.match(info, new RegExp(`Version: ${VERSION.replaceAll('.', '\\.')}`))
  t.match(info, /Depends: nodejs \(>= 20\)/)
  t.match(info, /Recommends: iptables/)
  for (const script of ['postinst', 'prerm', 'postrm', 'conffiles']) t.match(info, new RegExp(`\\b${script}\\b`), `it has ${script}`)

  const files = run('dpkg-deb', ['--contents', DEB]).stdout
  for (const path of ['./usr/lib/gatekeeper/dist/src/cli.js', './usr/lib/gatekeeper/node_modules/fastify/package.json',
    './etc/gatekeeper/gatekeeper.yaml', './etc/gatekeeper/pages/default.html',
    './lib/systemd/system/gatekeeper.service', './lib/systemd/system/gatekeeper-firewall.service']) {
    t.match(files, ` ${path}`, `it holds ${path}`)
  }
  t.match(files, /\.\/usr\/bin\/gatekeeper -> \.\.\/lib\/gatekeeper\/dist\/src\/cli\.js/)
  t.notMatch(files, /node_modules\/(tap|typescript|eslint)\//, 'no development dependencies')
  t.notMatch(files, /\.\/usr\/lib\/gatekeeper\/(test|bench|dist\/test)\//, 'no tests or benchmarks')

  const dir = mkdtempSync(join(tmpdir(), 'gk-deb-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  run('dpkg-deb', ['--control', DEB, dir])
  const conffiles = readFileSync(join(dir, 'conffiles'), 'utf8').split('\n').filter(Boolean)
  t.ok(conffiles.includes('/etc/gatekeeper/gatekeeper.yaml'), 'the configuration is a conffile')
  t.ok(conffiles.includes('/etc/gatekeeper/pages/default.html'), 'so are the pages')
  for (const script of ['postinst', 'prerm', 'postrm']) {
    t.equal(run('sh', ['-n', join(dir, script)]).status, 0, `${script} is valid sh`)
  }
})

t.test('installed, the unit\'s ExecStart serves the designed page with /healthz ok; upgrade keeps edits; purge removes it', async (t) => {
  if (!existsSync(DEB)) throw new Error(`${DEB} was not built by the test above`)
  const installed = run('dpkg', ['-i', DEB])
  t.equal(installed.status, 0, installed.stderr)
  t.teardown(() => { run('dpkg', ['--purge', 'gatekeeper']) })
  t.match(installed.stdout + installed.stderr, /export GATEKEEPER_TOKEN=/, 'the first install says how to use the token')

  t.ok(run('getent', ['passwd', 'gatekeeper']).stdout.startsWith('gatekeeper:'), 'the gatekeeper system user exists')
  const tokenStat = statSync('/etc/gatekeeper/ops.token')
  t.equal(tokenStat.mode & 0o777, 0o600, 'the token is root\'s alone')
  t.equal(tokenStat.uid, 0)
  const token = readFileSync('/etc/gatekeeper/ops.token', 'utf8').trim()
  t.ok(token.length >= 40, 'a long random token')
  t.notMatch(readFileSync('/etc/gatekeeper/gatekeeper.yaml', 'utf8'), token, 'the configuration holds no token')
  t.equal(run('/usr/bin/gatekeeper', ['--version']).stdout, `gatekeeper ${VERSION}\n`, 'gatekeeper is on the PATH')

  // the unit, as systemd would run it
  const unit = unitSettings(readFileSync('/lib/systemd/system/gatekeeper.service', 'utf8'))
  const [execStart] = unit.get('ExecStart') ?? []
  const [credential] = unit.get('LoadCredential') ?? []
  const workingDirectory = unit.get('WorkingDirectory')?.[0] ?? '/'
  t.ok(execStart !== undefined && credential !== undefined)
  const [credentialName, credentialFile] = (credential as string).split(':') as [string, string]
  const credentials = mkdtempSync(join(tmpdir(), 'gk-cred-'))
  t.teardown(() => rmSync(credentials, { recursive: true, force: true }))
  copyFileSync(credentialFile, join(credentials, credentialName))
  const uid = Number(run('id', ['-u', 'gatekeeper']).stdout)
  chownSync(credentials, uid, 0)
  chownSync(join(credentials, credentialName), uid, 0)
  chmodSync(join(credentials, credentialName), 0o400)
  const environment = (unit.get('Environment') ?? []).map((line) => line.split('=', 2) as [string, string])

  const ns = `gk-deb-${process.pid}`
  t.equal(run('ip', ['netns', 'add', ns]).status, 0)
  t.teardown(() => { run('ip', ['netns', 'delete', ns]) })
  run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'])
  const envArgs = [`CREDENTIALS_DIRECTORY=${credentials}`, ...environment.map(([k, v]) => `${k}=${v}`), 'PATH=/usr/bin:/bin']
  const server: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'setpriv', '--reuid=gatekeeper', '--regid=gatekeeper', '--init-groups',
    'env', '-i', ...envArgs, 'sh', '-c', `cd ${workingDirectory} && exec ${execStart as string}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  server.stdout?.on('data', (chunk: Buffer) => { log += chunk.toString() })
  server.stderr?.on('data', (chunk: Buffer) => { log += chunk.toString() })
  t.teardown(() => { if (server.exitCode === null) server.kill('SIGTERM') })

  const inNs = (args: string[]): Ran => run('ip', ['netns', 'exec', ns, 'curl', '-s', '--max-time', '5', ...args])
  let health: Ran = { status: null, stdout: '', stderr: '' }
  for (let i = 0; i < 60; i++) {
    health = inNs(['-w', '\\n%{http_code}', 'http://127.0.0.1:8081/healthz'])
    if (health.stdout.endsWith('200')) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.match(health.stdout, /"status":"ok"[\s\S]*\n200$/, `/healthz is ok\n${log}`)
  // every exec above replaces the process: the pid is node's, started by the script's first line
  const cmdline = readFileSync(`/proc/${server.pid as number}/cmdline`, 'utf8').split('\0')
  t.ok(cmdline.includes('--max-semi-space-size=4') && cmdline.includes('--heap-growing-percent=30'), `node runs with the shipped memory settings: ${cmdline.join(' ')}`)
  t.match(readFileSync(`/proc/${server.pid as number}/environ`, 'utf8'), /(^|\0)MALLOC_ARENA_MAX=2\0/, 'and malloc keeps two arenas')

  const closed = inNs(['-s', '-X', 'POST', '-H', `authorization: Bearer ${token}`, 'http://127.0.0.1:8081/v1/close'])
  t.match(closed.stdout, /"mode":"closed"/, 'the generated token closes the site')
  const page = inNs(['-s', '-w', '\\n%{http_code}', 'http://127.0.0.1:8080/'])
  t.match(page.stdout, /\n503$/, 'the public gets 503')
  t.equal(page.stdout.replace(/\n503$/, '').slice(0, 15), readFileSync('/etc/gatekeeper/pages/default.html', 'utf8').slice(0, 15), 'the designed page, not the fallback')
  server.kill('SIGTERM')
  await new Promise((resolve) => server.once('close', resolve))
  t.ok(existsSync('/var/lib/gatekeeper/state.json'), 'the state lives in /var/lib/gatekeeper')

  // an upgrade (the same package again) keeps the operator's edits and the token
  writeFileSync('/etc/gatekeeper/gatekeeper.yaml', readFileSync('/etc/gatekeeper/gatekeeper.yaml', 'utf8') + '\n# edited by the operator\n')
  const again = run('dpkg', ['-i', DEB])
  t.equal(again.status, 0, again.stderr)
  t.match(readFileSync('/etc/gatekeeper/gatekeeper.yaml', 'utf8'), /# edited by the operator/, 'the edit survives')
  t.equal(readFileSync('/etc/gatekeeper/ops.token', 'utf8').trim(), token, 'the token is kept')

  t.equal(run('dpkg', ['--remove', 'gatekeeper']).status, 0)
  t.notOk(existsSync('/usr/bin/gatekeeper'), 'remove takes the program')
  t.ok(existsSync('/etc/gatekeeper/gatekeeper.yaml') && existsSync('/var/lib/gatekeeper/state.json'), 'remove keeps configuration and state')
  t.equal(run('dpkg', ['--purge', 'gatekeeper']).status, 0)
  t.notOk(existsSync('/etc/gatekeeper'), 'purge removes the configuration and the token')
  t.notOk(existsSync('/var/lib/gatekeeper'), 'purge removes the state')
})
