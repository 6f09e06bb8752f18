import t from 'tap'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import type { AuditEntry } from '../src/state/types.js'
import { launchBrowser, newContext, signedInConsole } from './helpers/browser.js'
import { get, OPERATOR_TOKEN, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { startSitesHarness } from './helpers/sites.js'

const WAIT = { timeout: 45_000 }

t.test('with sites:, the console switches site and closes the chosen one only, with If-Match; the summary rows follow', async (t) => {
  const { gk, admin } = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['www.test'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: url, dependsOn: ['default'] }
  ])
  const status = async (host: string): Promise<number> => (await get(gk.publicUrl + '/', { headers: { host } })).status

  const { page, failedScripts } = await signedInConsole(t, gk.adminUrl, OPERATOR_TOKEN)
  await page.locator('#mode').filter({ hasText: /^open$/ }).waitFor(WAIT)

  const row = (name: string) => page.locator('#sites tr').filter({ has: page.locator('td[data-label="Site"]', { hasText: new RegExp(`^${name}$`) }) })
  await row('app1').waitFor(WAIT)
  t.match(await row('app1').locator('td[data-label="Depends on"]').innerText(), /^default$/)
  t.equal(await page.inputValue('#site-switch'), 'default', 'default is shown first')

  await page.selectOption('#site-switch', 'app1')
  await page.locator('#site-title').filter({ hasText: /app1/ }).waitFor(WAIT)
  await page.click('button[data-action="close"]')
  await page.locator('#confirm').waitFor({ state: 'visible', ...WAIT })
  await page.fill('#confirm-reason', 'app1 upgrade')
  await page.click('#confirm-ok')
  await page.locator('#mode').filter({ hasText: /^closed$/ }).waitFor(WAIT)
  await row('app1').locator('td[data-label="Mode"]').filter({ hasText: /^closed$/ }).waitFor(WAIT)
  t.match(await row('app1').locator('td[data-label="Reason"]').innerText(), 'app1 upgrade')
  t.match(await row('default').locator('td[data-label="Mode"]').innerText(), /^open$/)

  t.equal(await status('app1.test'), 503, 'app1 is closed to the public')
  t.equal(await status('www.test'), 200, 'the other site stays open')
  const audit = await (await admin('GET', '/v1/audit?site=app1')).json() as AuditEntry[]
  t.match(audit[0], { action: 'close', site: 'app1' }, 'audited on app1')

  // default closed from elsewhere: app1's row flags its closed dependency
  const state = await (await admin('GET', '/v1/state')).json() as { version: number }
  t.equal((await admin('POST', '/v1/close', { reason: 'db' }, { 'if-match': `"${state.version}"` })).status, 200)
  await row('app1').locator('td[data-label="Blocked by"]').filter({ hasText: /default is closed/ }).waitFor(WAIT)
  await page.selectOption('#site-switch', 'default')
  await page.locator('#site-title').filter({ hasText: /default/ }).waitFor(WAIT)
  await page.locator('#mode').filter({ hasText: /^closed$/ }).waitFor(WAIT)
  t.same(failedScripts, [], 'no script error')
})

t.test('without sites:, no switcher', async (t) => {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const dir = tempDir(t)
  const raw = rawConfig(dir, '')
  raw.upstream = upstream.url
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const browser = await launchBrowser(t)
  const page = await (await newContext(t, browser)).newPage()
  await page.goto(gk.adminUrl + '/console')
  await page.fill('#login-token', OPERATOR_TOKEN)
  await page.click('#login-form button[type=submit]')
  await page.locator('#mode').filter({ hasText: /^open$/ }).waitFor(WAIT)
  await page.locator('#connection').filter({ hasText: /Live/ }).waitFor(WAIT)
  t.equal(await page.locator('#sites-card').isHidden(), true, 'the sites card stays hidden')
  t.equal(await page.textContent('#site-title'), 'Site')
})
