import t from 'tap'
import { withFlag } from '../src/state/flags.js'
import { signedInConsole } from './helpers/browser.js'
import { OPERATOR_TOKEN } from './helpers/harness.js'
import { startSitesHarness } from './helpers/sites.js'

const WAIT = { timeout: 45_000 }

t.test('the console\'s site row shows a dependent flagged by a health-gate abort, until the operator changes its mode', async (t) => {
  const { gk, admin } = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['www.test'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: url, dependsOn: ['default'] }
  ])
  const { page, failedScripts } = await signedInConsole(t, gk.adminUrl, OPERATOR_TOKEN)
  const row = (name: string) => page.locator('#sites tr').filter({ has: page.locator('td[data-label="Site"]', { hasText: new RegExp(`^${name}$`) }) })
  await row('app1').waitFor(WAIT)
  t.equal(await row('app1').locator('td[data-label="Flags"]').innerText(), '', 'no flag at first')

  // what the health gate's abort of default writes into app1's state (src/sites/dependencies.ts)
  const app1 = gk.sites.get('app1')
  if (app1 === undefined) throw new Error('app1 expected')
  await app1.feed.update({ actor: 'gatekeeper', ip: '', action: 'dependency.aborted', site: 'app1' }, (current) => withFlag(current, {
    kind: 'dependency-aborted', site: 'default', at: new Date().toISOString(), reasons: ['5xx share 50.0 % of 40 requests is above 20.0 %']
  }))
  const flag = row('app1').locator('td[data-label="Flags"] .dependency-aborted')
  await flag.filter({ hasText: /default was closed by its health gate/ }).waitFor(WAIT)
  t.match(await flag.getAttribute('title'), /5xx share 50\.0 %.*closing it is your decision/, 'the reasons, and whose decision it is, on hover')
  t.match(await row('app1').locator('td[data-label="Mode"]').innerText(), /^open$/, 'app1\'s mode is unchanged')
  t.equal(await row('default').locator('td[data-label="Flags"]').innerText(), '', 'default has no flag')

  // the operator decides about app1 (here: closes it): the flag is gone
  t.equal((await admin('POST', '/v1/sites/app1/close', { reason: 'default failed' })).status, 200)
  await row('app1').locator('td[data-label="Mode"]').filter({ hasText: /^closed$/ }).waitFor(WAIT)
  t.equal(await row('app1').locator('td[data-label="Flags"] .dependency-aborted').count(), 0, 'cleared by the operator\'s change')
  t.same(failedScripts, [], 'no script error')
})
