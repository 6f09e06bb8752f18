import t from 'tap'
import type { Page } from 'playwright-core'
import { OPERATOR_TOKEN, publicUrl } from './helpers/harness.js'
import { launchBrowser, newContext } from './helpers/browser.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

const WAIT = { timeout: 45_000 }

async function signIn (page: Page, url: string): Promise<void> {
  await page.goto(url + '/console')
  await page.fill('#login-token', OPERATOR_TOKEN)
  await page.click('#login-form button[type=submit]')
  await page.locator('#timeline svg.tl-chart').waitFor(WAIT)
}

async function markCount (page: Page, kind: string): Promise<number> {
  return await page.locator(`#timeline .tl-mark[data-kind="${kind}"]`).count()
}

t.test('the console draws the window\'s timeline, follows a ramp step live, marks an abort, and offers the Markdown', async (t) => {
  const h = await startReopenHarness(t, {
    initialMode: 'open',
    staged: { keyHeader: 'x-client' },
    trustedProxies: ['127.0.0.1/32'],
    healthGate: { serverErrors: { maxShare: 0.2, minSamples: 10 } }
  })
  const browser = await launchBrowser(t)
  const context = await newContext(t, browser, { viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const failures: string[] = []
  const elsewhere: string[] = []
  page.on('pageerror', (err) => failures.push(err.message))
  page.on('request', (request) => { if (!request.url().startsWith(h.gk.adminUrl) && !request.url().startsWith('data:')) elsewhere.push(request.url()) })

  t.equal((await h.admin('POST', '/v1/close', { reason: 'upgrade', until: new Date(Date.now() + 3_600_000).toISOString() })).status, 200)
  await signIn(page, h.gk.adminUrl)
  t.equal(await markCount(page, 'mode'), 1, 'the closing is marked')
  t.match(await page.innerText('#timeline .tl-phases'), /closed by ops: "upgrade"/)

  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 10, hold: 60 }, { percent: 50, hold: 60 }, { percent: 100 }] })).status, 200)
  await page.waitForFunction(() => document.querySelectorAll('#timeline .tl-mark[data-kind="ramp"]').length === 1, undefined, WAIT)
  h.clock.advance(60_000)
  await h.waitForState((s) => s.percent === 50, 'the second step')
  await page.waitForFunction(() => document.querySelectorAll('#timeline .tl-mark[data-kind="ramp"]').length === 2, undefined, WAIT)
  t.pass('the ramp step appears without a reload')
  const share = await page.getAttribute('#timeline path.tl-share', 'd') ?? ''
  t.equal(share.split('L').length - 1 >= 5, true, 'the share admitted steps up with the ramp')

  await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 20, { prefix: 'failing' })
  h.clock.advance(1000)
  await h.waitForState((s) => s.mode === 'closed', 'the health gate to abort the ramp')
  await page.locator('#timeline .tl-mark[data-kind="abort"]').waitFor(WAIT)
  t.match(await page.textContent('#timeline .tl-mark[data-kind="abort"] title'), /the health gate tripped by gatekeeper: ".*5xx share/)
  t.equal(await page.textContent('#timeline .tl-abort-label'), 'abort')
  t.ok(await page.locator('#timeline path.tl-errors').count() === 1, 'the upstream\'s 5xx share is drawn')
  t.match(await page.innerText('#timeline .tl-phases li.abort'), /ramp aborted/)

  const href = await page.getAttribute('#timeline-download', 'href') ?? ''
  t.match(href, /^data:text\/markdown;charset=utf-8,/)
  const markdown = decodeURIComponent(href.slice(href.indexOf(',') + 1))
  t.match(markdown, /closed by ops: "upgrade"[\s\S]*the health gate tripped[\s\S]*## Totals/)
  t.match(await page.getAttribute('#timeline-download', 'download'), /^timeline-\d{4}-\d\d-\d\d\.md$/)

  // a phone in dark mode: the chart fits the screen and takes the dark theme's colours
  const phone = await newContext(t, browser, { viewport: { width: 360, height: 740 }, colorScheme: 'dark', isMobile: true })
  const small = await phone.newPage()
  small.on('pageerror', (err) => failures.push(err.message))
  await signIn(small, h.gk.adminUrl)
  const fit = await small.evaluate(() => {
    const chart = document.querySelector('#timeline svg.tl-chart')?.getBoundingClientRect()
    const share = document.querySelector('#timeline path.tl-share')
    return { right: chart?.right ?? Infinity, width: document.documentElement.clientWidth, stroke: share === null ? '' : getComputedStyle(share).stroke }
  })
  t.ok(fit.right <= fit.width, `the chart fits a phone's width (${fit.right} ≤ ${fit.width})`)
  t.equal(fit.stroke, 'rgb(236, 238, 242)', 'the dark theme\'s foreground draws the share line')

  if (process.env.GK_SHOTS !== undefined) {
    await page.locator('#timeline').screenshot({ path: process.env.GK_SHOTS + '/desktop.png' })
    await small.locator('#timeline').screenshot({ path: process.env.GK_SHOTS + '/phone.png' })
  }
  t.same(elsewhere, [], 'no request leaves the gatekeeper')
  t.same(failures, [], 'no script error')
})
