import t from 'tap'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, rawConfig, startHarness, tempDir, TEST_ENV } from './helpers/harness.js'

t.test('opening or staging a site whose dependency is closed is refused with 409, unless forced, which is audited', async (t) => {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(tempDir(t), '')
  delete raw.upstream
  raw.sites = [
    { name: 'default', hosts: ['portal.test'], upstream: upstream.url, dependsOn: ['app2'] },
    { name: 'app1', hosts: ['app1.test'], upstream: upstream.url, dependsOn: ['app2'] },
    { name: 'app2', hosts: ['app2.test'], upstream: upstream.url }
  ]
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  for (const site of ['app1', 'app2']) t.equal((await admin('POST', `/v1/sites/${site}/close`, { reason: 'window' })).status, 200)
  t.equal((await admin('POST', '/v1/close', { reason: 'window' })).status, 200)

  for (const [path, body] of [['/v1/sites/app1/open', undefined], ['/v1/sites/app1/stage', { percent: 5 }], ['/v1/open', undefined], ['/v1/stage', { percent: 5 }]] as const) {
    const refused = await admin('POST', path, body)
    t.equal(refused.status, 409, `${path} while app2 is closed`)
    t.match(await refused.json(), { code: 'GK_ERR_DEPENDENCY_CLOSED', message: /depends on sites that are closed: app2; .*force: true/ })
  }
  t.match(await (await admin('GET', '/v1/sites/app1/state')).json(), { mode: 'closed', version: 1 }, 'a refused opening changed nothing')

  const forced = await admin('POST', '/v1/sites/app1/open', { force: true })
  t.equal(forced.status, 200)
  t.match(await forced.json(), { mode: 'open', warnings: ['app1 depends on app2, which is closed (forced)'] })
  const audit = await (await admin('GET', '/v1/audit?limit=1')).json() as Array<Record<string, unknown>>
  t.match(audit[0], { site: 'app1', action: 'open', forced: ['app2'] }, 'the forced opening is audited as forced')

  // a dependency in read-only or staged mode is allowed, with a warning
  t.equal((await admin('POST', '/v1/sites/app2/read-only', { reason: 'checks' })).status, 200)
  const warned = await admin('POST', '/v1/open')
  t.equal(warned.status, 200)
  const body = await warned.json() as Record<string, unknown>
  t.same(body.warnings, ['default depends on app2, which is read-only'])
  const entry = (await (await admin('GET', '/v1/audit?limit=1')).json() as Array<Record<string, unknown>>)[0]
  t.match(entry, { site: 'default', action: 'open' })
  t.notOk(entry !== undefined && 'forced' in entry, 'not forced')
})

t.test('without sites, the open call takes no force field, as before', async (t) => {
  const h = await startHarness(t)
  const res = await h.admin('POST', '/v1/open', { force: true })
  t.equal(res.status, 400)
  t.match(await res.json(), { code: 'GK_ERR_UNKNOWN_FIELD' })
  const ok = await h.admin('POST', '/v1/close', { reason: 'x' })
  t.notOk('warnings' in (await ok.json() as Record<string, unknown>))
  const audit = await (await h.admin('GET', '/v1/audit?limit=1')).json() as Array<Record<string, unknown>>
  t.notOk('site' in (audit[0] ?? {}), 'no site in the audit without sites')
})
