import t from 'tap'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { cliFor } from './helpers/cli.js'
import { get, OPERATOR_TOKEN, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'

t.test('token create --site limits a token to those sites; token list shows them', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, '')
  delete raw.upstream
  raw.sites = [
    { name: 'app1', hosts: ['one.test'], upstream: upstream.url },
    { name: 'app2', hosts: ['two.test'], upstream: upstream.url },
    { name: 'app3', hosts: ['three.test'], upstream: upstream.url }
  ]
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const { run } = cliFor(t, null, { GATEKEEPER_URL: gk.adminUrl, GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  for (const site of ['app1', 'app2', 'app3']) t.equal((await run(['close', '--site', site])).code, 0)

  const created = await run(['token', 'create', 'ana', '--ttl', '8h', '--site', 'app1', '--site', 'app2'])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^sites:\s+app1, app2$/m, 'the sites are printed')
  const secret = /^token:\s+(\S+)$/m.exec(created.stdout)?.[1] as string
  const status = async (host: string): Promise<number> => (await get(gk.publicUrl + '/', { headers: { host, 'x-gatekeeper-bypass': secret } })).status
  t.equal(await status('one.test'), 200)
  t.equal(await status('two.test'), 200)
  t.equal(await status('three.test'), 503, 'not on a site it does not name')

  t.equal((await run(['token', 'create', 'bo', '--ttl', '1h'])).code, 0)
  const list = await run(['token', 'list'])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^ana\s.*\sapp1, app2\s*$/m, 'the list shows the sites')
  t.match(list.stdout, /^bo\s.*\s\(every site\)\s*$/m)

  const bad = await run(['token', 'create', 'cy', '--ttl', '1h', '--site', 'app9'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /400 GK_ERR_BAD_FIELD.*"app9" is not a site \(sites: app1, app2, app3\)/)
  const audit = await run(['audit', '--json'])
  const entries = JSON.parse(audit.stdout) as Array<{ action: string, after?: { tokens?: { added?: unknown[] } } }>
  t.match(entries.find((entry) => entry.action === 'token.create' && JSON.stringify(entry).includes('"ana"')), { after: { tokens: { added: [{ name: 'ana', sites: ['app1', 'app2'] }] } } }, 'audited with its sites')
})
