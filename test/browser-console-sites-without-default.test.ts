import t from 'tap'
import { signedInConsole } from './helpers/browser.js'
import { get, OPERATOR_TOKEN } from './helpers/harness.js'
import { startSitesHarness } from './helpers/sites.js'

const WAIT = { timeout: 45_000 }

t.test('with sites: and none named default, the console signs in on the first site, lists them all, and changes the chosen one', async (t) => {
  const { gk, admin } = await startSitesHarness(t, (url) => [
    { name: 'portal', hosts: ['portal.test'], upstream: url, dependsOn: ['api'] },
    { name: 'api', hosts: ['api.test'], upstream: url }
  ])
  const status = async (host: string): Promise<number> => (await get(gk.publicUrl + '/', { headers: { host } })).status
  t.equal((await admin('GET', '/v1/state')).status, 400, 'the old routes have no site to act on')

  const { page, failedScripts } = await signedInConsole(t, gk.adminUrl, OPERATOR_TOKEN)
  await page.locator('#site-title').filter({ hasText: /^Site: portal$/ }).waitFor(WAIT)
  await page.locator('#mode').filter({ hasText: /^open$/ }).waitFor(WAIT)
  await page.locator('#connection').filter({ hasText: /Live/ }).waitFor(WAIT)
  t.equal(await page.locator('#login-error').innerText(), '', 'no sign-in error')
  t.equal(await page.locator('#sites tbody tr').count(), 2, 'one row per site')

  await page.selectOption('#site-switch', 'api')
  await page.locator('#site-title').filter({ hasText: /^Site: api$/ }).waitFor(WAIT)
  await page.click('button[data-action="close"]')
  await page.locator('#confirm').waitFor({ state: 'visible', ...WAIT })
  await page.fill('#confirm-reason', 'api upgrade')
  await page.click('#confirm-ok')
  await page.locator('#mode').filter({ hasText: /^closed$/ }).waitFor(WAIT)
  const portalRow = page.locator('#sites tr').filter({ has: page.locator('td[data-label="Site"]', { hasText: /^portal$/ }) })
  await portalRow.locator('td[data-label="Blocked by"]').filter({ hasText: /api is closed/ }).waitFor(WAIT)
  t.equal(await status('api.test'), 503, 'the chosen site is closed')
  t.equal(await status('portal.test'), 200, 'the other site is untouched')

  // a tester's token is the top-level state's: created from the console while a site is chosen, it works on it
  await page.fill('#token-name', 'qa-bob')
  await page.fill('#token-ttl', '2h')
  await page.click('#token-form button[type=submit]')
  const secret = (await page.locator('#new-token-secret').filter({ hasText: /\S{16,}/ }).innerText(WAIT)).trim()
  await page.locator('#tokens').filter({ hasText: /qa-bob/ }).waitFor(WAIT)
  await page.click('#new-token-done')
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.3', headers: { host: 'api.test', 'x-gatekeeper-bypass': secret } })).status, 200, 'the new token passes the closed site')
  t.same(failedScripts, [], 'no script error')
})
