import t from 'tap'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'

interface SiteState { version: number, mode: string, reason: string, window: { end?: string } }
interface WindowAnswer { id: string, sites: Record<string, SiteState> }

t.test('a window closes several sites as one change, all or none, and is extended as one', async (t) => {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(tempDir(t), '')
  delete raw.upstream
  raw.sites = ['app1', 'app2', 'app3'].map((name) => ({ name, hosts: [`${name}.test`], upstream: upstream.url }))
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  const stateOf = async (site: string): Promise<SiteState> => await (await admin('GET', `/v1/sites/${site}/state`)).json() as SiteState
  const status = async (site: string): Promise<number> => (await get(gk.publicUrl + '/', { headers: { host: `${site}.test` } })).status

  // a stale version for one site refuses the whole window: nothing is applied anywhere
  t.equal((await admin('POST', '/v1/sites/app2/stage', { percent: 10 })).status, 200)
  const stale = await admin('POST', '/v1/windows', { sites: ['app1', 'app2'], reason: 'db split', versions: { app1: 0, app2: 0 } })
  t.equal(stale.status, 412)
  t.match(await stale.json(), { code: 'GK_ERR_VERSION_MISMATCH', message: /version 1 for the site app2, not 0/ })
  t.match(await stateOf('app1'), { mode: 'open', version: 0 }, 'app1 was not closed')
  const unknown = await admin('POST', '/v1/windows', { sites: ['app1', 'app9'], reason: 'db split' })
  t.equal(unknown.status, 404)
  t.match(await unknown.json(), { code: 'GK_ERR_UNKNOWN_SITE', message: 'there is no site "app9" (sites: app1, app2, app3)' })
  t.match(await stateOf('app1'), { mode: 'open', version: 0 }, 'nor by an unknown site')
  t.equal((await admin('POST', '/v1/windows', { sites: ['app1', 'app1'] })).status, 400)

  const until = new Date(Date.now() + 3_600_000).toISOString()
  const opened = await admin('POST', '/v1/windows', { sites: ['app1', 'app2'], reason: 'db split', until, versions: { app2: 1 } })
  t.equal(opened.status, 201)
  const window = await opened.json() as WindowAnswer
  t.equal(opened.headers.get('location'), `/v1/windows/${window.id}`)
  t.match(window.sites, { app1: { mode: 'closed', reason: 'db split', window: { end: until } }, app2: { mode: 'closed', reason: 'db split', window: { end: until } } })
  t.same([await status('app1'), await status('app2'), await status('app3')], [503, 503, 200], 'both sites closed, the third serves')

  const later = new Date(Date.now() + 7_200_000).toISOString()
  const extended = await admin('POST', `/v1/windows/${window.id}/extend`, { until: later })
  t.equal(extended.status, 200)
  t.match(await extended.json(), { id: window.id, sites: { app1: { mode: 'closed', window: { end: later } }, app2: { mode: 'closed', window: { end: later } } } }, 'another hour for both')
  t.match(await (await admin('GET', `/v1/windows/${window.id}`)).json(), { sites: { app1: { window: { end: later } }, app2: { window: { end: later } } } })

  const audit = await (await admin('GET', '/v1/audit?limit=10')).json() as Array<Record<string, unknown>>
  for (const site of ['app1', 'app2']) {
    t.ok(audit.some((entry) => entry.site === site && entry.action === 'window.close' && entry.window === window.id), `${site}'s close is audited with the window`)
    t.ok(audit.some((entry) => entry.site === site && entry.action === 'window.extend' && entry.window === window.id), `${site}'s extension too`)
  }

  // reopening stays per site; a window with a site open again is not extended
  t.equal((await admin('POST', '/v1/sites/app2/open')).status, 200)
  const refused = await admin('POST', `/v1/windows/${window.id}/extend`, { until: later })
  t.equal(refused.status, 409)
  t.equal((await stateOf('app1')).window.end, later, 'nothing moved')
  t.equal((await admin('GET', '/v1/windows/nope')).status, 404)
})
