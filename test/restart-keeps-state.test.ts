import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { OPERATOR_TOKEN, get, rawConfig, tempDir } from './helpers/harness.js'
import { runToExit, startProcess, writeConfig } from './helpers/process.js'

const auth = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' }

t.test('a gatekeeper process killed in closed mode comes back closed, with its allowlist and tokens', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const configPath = writeConfig(dir, rawConfig(dir, upstream.url, { logLevel: 'info' }))

  const first = await startProcess(t, configPath)
  t.equal((await fetch(first.adminUrl + '/v1/close', { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'Upgrading to 2.4.1' }) })).status, 200)
  t.equal((await fetch(first.adminUrl + '/v1/allowlist', { method: 'POST', headers: auth, body: JSON.stringify({ cidr: '127.0.0.2/32', label: 'dba' }) })).status, 201)
  const { token } = await (await fetch(first.adminUrl + '/v1/tokens', { method: 'POST', headers: auth, body: JSON.stringify({ name: 'tester', ttl: '2h' }) })).json() as { token: string }
  await first.stop('SIGKILL')

  const second = await startProcess(t, configPath)
  const state = await (await fetch(second.adminUrl + '/v1/state', { headers: auth })).json() as { mode: string, reason: string }
  t.equal(state.mode, 'closed', 'still closed after a crash')
  t.equal(state.reason, 'Upgrading to 2.4.1')
  t.equal((await get(second.publicUrl + '/echo', { from: '127.0.0.3' })).status, 503, 'the public is held')
  t.equal((await get(second.publicUrl + '/echo', { from: '127.0.0.2' })).status, 200, 'the dynamic allowlist survived')
  t.equal((await get(second.publicUrl + '/echo', { from: '127.0.0.3', headers: { 'x-gatekeeper-bypass': token } })).status, 200, 'the token survived')
  t.equal(await second.stop('SIGTERM'), 0, 'a graceful stop exits 0')
})

for (const [mode, body] of [['staged', { percent: 12.5 }], ['read-only', {}]] as const) {
  t.test(`a restart in ${mode} mode comes back ${mode}`, async (t) => {
    const dir = tempDir(t)
    const configPath = writeConfig(dir, rawConfig(dir, 'http://127.0.0.1:9', { logLevel: 'info' }))
    const first = await startProcess(t, configPath)
    const path = mode === 'staged' ? '/v1/stage' : '/v1/read-only'
    t.equal((await fetch(first.adminUrl + path, { method: 'POST', headers: auth, body: JSON.stringify(body) })).status, 200)
    await first.stop('SIGTERM')
    const second = await startProcess(t, configPath)
    const state = await (await fetch(second.adminUrl + '/v1/state', { headers: auth })).json() as { mode: string, percent: number }
    t.equal(state.mode, mode)
    if (mode === 'staged') t.equal(state.percent, 12.5)
  })
}

t.test('a corrupt or unreadable state file stops start-up with a clear message and is left as it was', async (t) => {
  const dir = tempDir(t)
  const configPath = writeConfig(dir, rawConfig(dir, 'http://127.0.0.1:9'))
  const statePath = join(dir, 'state.json')
  const cases: Array<[string, string, RegExp]> = [
    ['half a file', '{"version": 3, "mode": "clo', /not valid JSON/],
    ['an unknown mode', JSON.stringify({ version: 1, mode: 'maybe', percent: 0, reason: '', window: {}, seed: 's', allowlist: [], tokens: [], updatedAt: new Date().toISOString(), updatedBy: 'x' }), /"mode" is "maybe"/],
    ['not an object', '[]', /not a JSON object/],
    ['a bad allowlist', JSON.stringify({ version: 1, mode: 'closed', percent: 0, reason: '', window: {}, seed: 's', allowlist: [{}], tokens: [], updatedAt: new Date().toISOString(), updatedBy: 'x' }), /allowlist\[0\]/]
  ]
  for (const [name, content, message] of cases) {
    writeFileSync(statePath, content)
    const { code, output } = await runToExit(configPath)
    t.equal(code, 1, `${name}: exits 1`)
    t.match(output, /GK_ERR_STORE_CORRUPT/, `${name}: names the error`)
    t.match(output, message, `${name}: says what is wrong`)
    t.match(output, statePath, `${name}: names the file`)
    t.equal(readFileSync(statePath, 'utf8'), content, `${name}: the file is left for the sysadmin`)
  }
})

t.test('a bad configuration stops start-up naming the key', async (t) => {
  const dir = tempDir(t)
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ upstream: 'ftp://x' }, /upstream: must be http/],
    [{ listen: { host: '0.0.0.0', port: 70000 } }, /listen\.port: must be a whole number/],
    [{ allowlist: [{ cidr: '10.20.1.0/16' }] }, /allowlist\[0\]\.cidr:.*host bits/],
    [{ trustedProxies: ['nonsense'] }, /trustedProxies\[0\]/],
    [{ onStoreFailure: 'open' }, /onStoreFailure: must be one of last-known, closed/],
    [{ alwaysAllow: { paths: ['health'] } }, /alwaysAllow\.paths\[0\]/],
    [{ lisen: {} }, /lisen: is not a known setting/]
  ]
  for (const [extra, message] of cases) {
    const configPath = writeConfig(dir, rawConfig(dir, 'http://127.0.0.1:9', extra))
    const { code, output } = await runToExit(configPath)
    t.equal(code, 1, `${JSON.stringify(extra)}: exits 1`)
    t.match(output, message, `${JSON.stringify(extra)}: names the key`)
  }
  const noToken = writeConfig(dir, { ...rawConfig(dir, 'http://127.0.0.1:9'), admin: { tokens: [{ name: 'ops', tokenEnv: 'GK_TEST_MISSING_VARIABLE' }] } })
  const { output } = await runToExit(noToken)
  t.match(output, /admin\.tokens\[0\]\.tokenEnv: the environment variable GK_TEST_MISSING_VARIABLE/)
  const yaml = join(dir, 'broken.yaml')
  writeFileSync(yaml, 'listen: [\n')
  t.match((await runToExit(yaml)).output, /not valid YAML/)
})
