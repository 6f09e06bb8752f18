import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper, type Gatekeeper } from '../src/server.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { namedUpstream } from './helpers/sites.js'

t.test('each site has its own state: closing one leaves the others serving, and each survives a restart', async (t) => {
  const dir = tempDir(t)
  const raw = rawConfig(dir, '')
  delete raw.upstream
  raw.sites = [
    { name: 'app1', hosts: ['portal.test'], upstream: await namedUpstream(t, 'app1'), dependsOn: ['app2'] },
    { name: 'app2', hosts: ['other.test'], upstream: await namedUpstream(t, 'app2') },
    { name: 'api', hosts: ['portal.test'], paths: ['/api/*'], upstream: await namedUpstream(t, 'api'), allowlist: ['127.0.0.2'] }
  ]
  const config = parseConfig(raw, TEST_ENV)
  let gk: Gatekeeper = await startGatekeeper(config, { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  let admin = adminClient(gk.adminUrl)
  const status = async (host: string, path: string, from?: string): Promise<number> => (await get(gk.publicUrl + path, { headers: { host }, ...(from === undefined ? {} : { from }) })).status

  const listed = await admin('GET', '/v1/sites')
  t.equal(listed.status, 200)
  t.same(await listed.json(), [
    { name: 'app1', version: 0, mode: 'open', percent: 100, reason: '', eta: null, dependsOn: ['app2'] },
    { name: 'app2', version: 0, mode: 'open', percent: 100, reason: '', eta: null, dependsOn: [] },
    { name: 'api', version: 0, mode: 'open', percent: 100, reason: '', eta: null, dependsOn: [] }
  ])

  const until = new Date(Date.now() + 3_600_000).toISOString()
  const closed = await admin('POST', '/v1/sites/app1/close', { reason: 'upgrading app1', until })
  t.equal(closed.status, 200)
  t.equal(closed.headers.get('etag'), '"1"')
  t.match(await closed.json(), { mode: 'closed', reason: 'upgrading app1', version: 1 })
  t.equal(await status('portal.test', '/home'), 503, 'the closed site shows its maintenance page')
  t.equal(await status('portal.test', '/api/x'), 200, 'the path-routed site on the same host still serves')
  t.equal(await status('other.test', '/'), 200, 'the other host still serves')
  // the page polls its own site's status, so it never reloads itself into another site's answer
  const polled = async (host: string): Promise<unknown> => JSON.parse((await get(gk.publicUrl + '/__gatekeeper/status', { headers: { host } })).body)
  t.match(await polled('portal.test'), { mode: 'closed', admitted: false, reason: 'upgrading app1', eta: until })
  t.match(await polled('other.test'), { mode: 'open', admitted: true })

  // compare-and-set per site: app1's change did not move app2's version
  t.equal((await admin('POST', '/v1/sites/app2/stage', { percent: 25 }, { 'if-match': '"0"' })).status, 200)
  const stale = await admin('POST', '/v1/sites/app2/open', undefined, { 'if-match': '"0"' })
  t.equal(stale.status, 412)
  t.equal((await admin('GET', '/v1/sites/app2/state')).headers.get('etag'), '"1"', 'a refused change changed nothing')

  // a site's own allowlist entries pass its gate, and no other's
  t.equal((await admin('POST', '/v1/sites/api/close', { reason: 'api too' })).status, 200)
  t.equal(await status('portal.test', '/api/x', '127.0.0.2'), 200, 'allowlisted for api')
  t.equal(await status('portal.test', '/api/x', '127.0.0.1'), 503)
  t.equal(await status('portal.test', '/home', '127.0.0.2'), 503, 'api\'s entry does not open app1')
  t.equal((await admin('POST', '/v1/sites/api/open')).status, 200)

  const unknown = await admin('POST', '/v1/sites/app9/close', { reason: 'x' })
  t.equal(unknown.status, 404)
  t.match(await unknown.json(), { code: 'GK_ERR_UNKNOWN_SITE', message: 'there is no site "app9" (sites: app1, app2, api)' })

  for (const [method, path] of [['GET', '/v1/state'], ['POST', '/v1/close'], ['POST', '/v1/open'], ['GET', '/v1/nodes'], ['GET', '/v1/ramp']]) {
    const old = await admin(method as string, path as string, method === 'POST' ? {} : undefined)
    t.equal(old.status, 400, `${method} ${path} without a default site`)
    t.match(await old.json(), { code: 'GK_ERR_SITE_REQUIRED', message: /sites: app1, app2, api/ })
  }

  const audit = await (await admin('GET', '/v1/audit?limit=20')).json() as Array<{ site: string, action: string }>
  t.match(audit[0], { site: 'api', action: 'open' }, 'the audit is global, newest first, each entry naming its site')
  t.ok(audit.some((entry) => entry.site === 'app1' && entry.action === 'close'))
  t.ok(audit.some((entry) => entry.site === 'app2' && entry.action === 'stage'))

  t.ok(existsSync(join(dir, 'state.app1.json')) && existsSync(join(dir, 'state.app2.json')) && existsSync(join(dir, 'state.api.json')), 'one file per site beside state.json')

  await gk.close()
  gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }) })
  admin = adminClient(gk.adminUrl)
  t.match(await (await admin('GET', '/v1/sites')).json(), [
    { name: 'app1', mode: 'closed', reason: 'upgrading app1', eta: until, version: 1 },
    { name: 'app2', mode: 'staged', percent: 25, version: 1 },
    { name: 'api', mode: 'open', version: 2 }
  ], 'each site comes back in its own mode')
  t.equal(await status('portal.test', '/home'), 503)
  t.equal(await status('portal.test', '/api/x'), 200)
})

t.test('with a site named default, the old routes act on it, stored where the state always was', async (t) => {
  const dir = tempDir(t)
  const raw = rawConfig(dir, '')
  delete raw.upstream
  raw.sites = [
    { name: 'default', hosts: ['portal.test'], upstream: await namedUpstream(t, 'portal') },
    { name: 'app2', hosts: ['other.test'], upstream: await namedUpstream(t, 'app2') }
  ]
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  t.equal((await admin('POST', '/v1/close', { reason: 'old route' })).status, 200)
  t.match(await (await admin('GET', '/v1/sites/default/state')).json(), { mode: 'closed', reason: 'old route' })
  t.equal((await get(gk.publicUrl + '/', { headers: { host: 'portal.test' } })).status, 503)
  t.equal((await get(gk.publicUrl + '/', { headers: { host: 'other.test' } })).status, 200)
  t.equal((await admin('POST', '/v1/sites/default/open')).status, 200)
  t.match(await (await admin('GET', '/v1/state')).json(), { mode: 'open', version: 2 })
  t.ok(existsSync(join(dir, 'state.json')) && !existsSync(join(dir, 'state.default.json')))
  const audit = await (await admin('GET', '/v1/audit')).json() as Array<{ site: string, action: string }>
  t.match(audit.slice(0, 2), [{ site: 'default', action: 'open' }, { site: 'default', action: 'close' }])
})
