import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config/load.js'
import { localAllowlistWarning } from '../src/config/local-allowlist.js'
import { OPERATOR_TOKEN, TEST_ENV, rawConfig, tempDir } from './helpers/harness.js'
import { CLI, writeConfig } from './helpers/process.js'

const auth = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' }

t.test('relative paths in a config file resolve against the file\'s directory', async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, 'etc'))
  const base = rawConfig(dir, 'http://127.0.0.1:9')
  const path = writeConfig(join(dir, 'etc'), { ...base, store: { type: 'file', path: 'state/state.json', auditPath: '../log/audit.jsonl' }, maintenance: { pagesDir: 'pages' } })
  const config = await loadConfig(path, TEST_ENV)
  t.same(config.store, { type: 'file', path: join(dir, 'etc', 'state', 'state.json'), auditPath: join(dir, 'log', 'audit.jsonl') })
  t.equal(config.maintenance.pagesDir, join(dir, 'etc', 'pages'))

  const defaults = writeConfig(join(dir, 'etc'), { ...base, store: { type: 'file' }, maintenance: {} }, 'defaults.yaml')
  const byDefault = await loadConfig(defaults, TEST_ENV)
  t.same(byDefault.store, { type: 'file', path: join(dir, 'etc', 'var', 'state.json') }, 'the default store path too')
  t.equal(byDefault.maintenance.pagesDir, join(dir, 'etc', 'maintenance-pages'))

  const absolute = writeConfig(join(dir, 'etc'), { ...base, store: { type: 'file', path: '/srv/gk/state.json' } }, 'absolute.yaml')
  t.same((await loadConfig(absolute, TEST_ENV)).store, { type: 'file', path: '/srv/gk/state.json' }, 'an absolute path is kept')

  const redis = writeConfig(join(dir, 'etc'), { ...base, store: { type: 'redis', url: 'redis://127.0.0.1:6379', localCopyPath: 'copy.json' } }, 'redis.yaml')
  const onRedis = await loadConfig(redis, TEST_ENV)
  t.equal(onRedis.store.type === 'redis' ? onRedis.store.localCopyPath : '', join(dir, 'etc', 'copy.json'), 'the Redis store\'s local copy too')
})

t.test('the demo config keeps its state and pages in the checkout, wherever it is started from', async (t) => {
  const root = process.cwd()
  const config = await loadConfig(join(root, 'config', 'demo.yaml'), { ...TEST_ENV, GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  t.same(config.store, { type: 'file', path: join(root, 'var', 'demo', 'state.json') })
  t.equal(config.maintenance.pagesDir, join(root, 'maintenance-pages'))
  t.ok(existsSync(join(config.maintenance.pagesDir, 'default.html')), 'the pages are there')
})

t.test('the shipped config is for production: state in /var/lib/gatekeeper, pages beside it, no loopback allowed', async (t) => {
  const root = process.cwd()
  const credentials = tempDir(t)
  writeFileSync(join(credentials, 'ops.sha256'), createHash('sha256').update(OPERATOR_TOKEN).digest('hex') + '\n')
  const config = await loadConfig(join(root, 'config', 'gatekeeper.yaml'), { ...TEST_ENV, CREDENTIALS_DIRECTORY: credentials })
  t.same(config.store, { type: 'file', path: '/var/lib/gatekeeper/state.json' })
  t.equal(config.maintenance.pagesDir, join(root, 'config', 'pages'), 'where the package puts the pages: /etc/gatekeeper/pages')
  t.same(config.allowlist, [], 'no address is allowlisted')
  t.equal(localAllowlistWarning(config), null, 'nothing to warn about')
  t.equal(config.admin.tokens[0]?.sha256, createHash('sha256').update(OPERATOR_TOKEN).digest('hex'), 'the token\'s hash comes from the systemd credential')
  await t.rejects(loadConfig(join(root, 'config', 'gatekeeper.yaml'), { ...TEST_ENV, CREDENTIALS_DIRECTORY: '' }), /admin\.tokens\[0\]\.sha256Credential: \$CREDENTIALS_DIRECTORY is not set/)
})

t.test('an allowlist that covers this machine with no trusted proxy is warned about', async (t) => {
  t.match(localAllowlistWarning({ allowlist: [{ cidr: '127.0.0.0/8', label: 'local' }], trustedProxies: [] }, ['127.0.0.1']), /this machine \(127\.0\.0\.1\).*trustedProxies is empty/)
  t.equal(localAllowlistWarning({ allowlist: [{ cidr: '127.0.0.0/8', label: 'local' }], trustedProxies: ['127.0.0.1/32'] }, ['127.0.0.1']), null, 'a trusted local proxy: no trap')
  t.equal(localAllowlistWarning({ allowlist: [{ cidr: '10.20.0.0/16', label: 'ops' }], trustedProxies: [] }, ['127.0.0.1', '192.0.2.2']), null, 'no local address covered')
})

/** `gatekeeper serve` started from `cwd`; resolves with its admin URL and a stop function (SIGKILL: a crash keeps the state too). */
function serveFrom (t: { teardown (fn: () => unknown): void }, cwd: string, configPath: string): Promise<{ adminUrl: string, stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', configPath], { cwd, env: TEST_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  })
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gatekeeper did not start:\n${out}`)), 20000)
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split('\n').find((l) => l.includes('"gatekeeper started"'))
      if (line === undefined) return
      clearTimeout(timer)
      resolve({ adminUrl: (JSON.parse(line) as { adminUrl: string }).adminUrl, stop: async () => { child.kill('SIGKILL'); await exited } })
    })
    exited.then(() => { clearTimeout(timer); reject(new Error(`gatekeeper exited:\n${out}`)) }, () => {})
  })
}

t.test('closed, then restarted from another directory: still closed', async (t) => {
  const dir = tempDir(t)
  mkdirSync(join(dir, 'conf'))
  mkdirSync(join(dir, 'elsewhere'))
  const configPath = writeConfig(join(dir, 'conf'), { ...rawConfig(dir, 'http://127.0.0.1:9', { logLevel: 'info' }), store: { type: 'file', path: 'state.json' }, initialMode: 'open' })

  const first = await serveFrom(t, dir, configPath)
  t.equal((await fetch(first.adminUrl + '/v1/close', { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'Upgrading' }) })).status, 200)
  await first.stop()
  t.ok(existsSync(join(dir, 'conf', 'state.json')), 'the state is beside the config file')

  const second = await serveFrom(t, join(dir, 'elsewhere'), configPath)
  const state = await (await fetch(second.adminUrl + '/v1/state', { headers: auth })).json() as { mode: string }
  t.equal(state.mode, 'closed', 'started from another directory, the gate is still closed')
  await second.stop()
})
