import t from 'tap'
import { publicUrl, startHarness } from './helpers/harness.js'
import { launchBrowser, newContext } from './helpers/browser.js'

const WAIT = { timeout: 45_000 }

/** Tomorrow (or the day after) at 22:45 UTC: 04:15 the next morning in India, which keeps no daylight saving. */
function eveningUtc (): Date {
  const at = new Date(Date.now() + 36 * 3600 * 1000)
  at.setUTCHours(22, 45, 0, 0)
  return at
}

t.test('the maintenance page in a real browser', async (t) => {
  const browser = await launchBrowser(t)

  t.test('shows the reason and the expected end in the reader\'s own time, with a countdown', async (t) => {
    const h = await startHarness(t)
    const until = eveningUtc()
    await h.admin('POST', '/v1/close', { reason: 'Moving to the new database <b>tonight</b>', until: until.toISOString() })
    const context = await newContext(t, browser, { timezoneId: 'Asia/Kolkata' })
    const page = await context.newPage()
    const violations: string[] = []
    page.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()) })
    const response = await page.goto(publicUrl(h, '/account'))
    t.match(response?.headers()['content-security-policy'], /^default-src 'none'/, 'the page has a policy')
    t.equal(response?.status(), 503)
    t.equal(response?.headers()['cache-control'], 'no-store')
    t.ok(Number(response?.headers()['retry-after']) > 3600, 'Retry-After counts down to the end')

    t.equal(await page.innerText('#gk-reason'), 'Moving to the new database <b>tonight</b>', 'the reason, as text')
    const shown = await page.innerText('#gk-eta')
    const local = new Date(until.getTime() + 5.5 * 3600 * 1000)
    const weekday = local.toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' })
    t.match(shown, '04:15', `the end in Kolkata time (${shown})`)
    t.match(shown, weekday, 'on the Kolkata date')
    t.notMatch(shown, '22:45', 'not in UTC')
    t.equal(await page.getAttribute('#gk-eta', 'datetime'), until.toISOString())
    const countdown = page.locator('#gk-countdown')
    await countdown.waitFor({ state: 'visible', ...WAIT })
    t.match(await countdown.innerText(), /^in \d+ d \d+ h \d\d min \d\d s$|^in \d+ h \d\d min \d\d s$/, 'a countdown')
    t.match(await page.innerText('main'), 'You will be let in automatically')
    t.equal(await page.evaluate(() => getComputedStyle(document.querySelector('main') as Element).borderTopLeftRadius), '12px', 'its inline style applies')
    t.same(violations, [], 'its policy refuses nothing of the page\'s own')
  })

  t.test('without JavaScript: the UTC time, a meta refresh and a Refresh header', async (t) => {
    const h = await startHarness(t)
    const until = eveningUtc()
    await h.admin('POST', '/v1/close', { reason: 'Upgrade', until: until.toISOString() })
    const context = await newContext(t, browser, { javaScriptEnabled: false, timezoneId: 'Asia/Kolkata' })
    const page = await context.newPage()
    const response = await page.goto(publicUrl(h, '/'))
    t.equal(response?.status(), 503)
    const refreshHeader = Number(response?.headers().refresh)
    t.ok(refreshHeader >= 15, `a Refresh header (${refreshHeader} s)`)
    t.equal(await page.innerText('#gk-eta'), `${until.toISOString().slice(0, 10)} 22:45 UTC`)
    t.ok(await page.locator('#gk-countdown').isHidden(), 'no countdown without a script')
    const meta = await page.locator('meta[http-equiv="refresh"]').getAttribute('content')
    t.equal(Number(meta), refreshHeader, 'the page reloads itself as often as the header says')
  })

  t.test('JSON for a client that asks for it, HTML for the browser, the status for the page', async (t) => {
    const h = await startHarness(t)
    await h.admin('POST', '/v1/close', { reason: 'Upgrade', retryAfter: 600 })
    const context = await newContext(t, browser)
    const page = await context.newPage()
    const response = await page.goto(publicUrl(h, '/'))
    t.match(response?.headers()['content-type'], /^text\/html/)
    const answers = await page.evaluate(async () => {
      const json = await fetch('/api/orders', { headers: { Accept: 'application/json' } })
      const status = await fetch('/__gatekeeper/status', { headers: { Accept: 'application/json' } })
      return { status: json.status, type: json.headers.get('content-type'), body: await json.json(), poll: await status.json() }
    })
    t.equal(answers.status, 503)
    t.match(answers.type, /^application\/json/)
    t.same(answers.body, { statusCode: 503, code: 'GK_MAINTENANCE', error: 'Service Unavailable', message: 'Upgrade', retryAfter: 600, eta: null })
    t.same(answers.poll, { mode: 'closed', admitted: false, reason: 'Upgrade', retryAfter: 600, eta: null })
  })

  t.test('reloads into the application when the gate opens', async (t) => {
    const h = await startHarness(t)
    await h.admin('POST', '/v1/close', { reason: 'Upgrade', retryAfter: 600 })
    const context = await newContext(t, browser)
    const page = await context.newPage()
    // the page's own timers on a clock the test moves: its minute-long waits take no time
    await page.clock.install()
    const statusPath = '/__gatekeeper/status'
    await page.goto(publicUrl(h, '/'))
    t.equal(await page.innerText('#gk-reason'), 'Upgrade')

    const firstPoll = page.waitForResponse((r) => r.url().endsWith(statusPath), WAIT)
    await page.clock.fastForward(61_000)
    t.equal((await (await firstPoll).json()).admitted, false, 'the page asks, and waits while the site is closed')
    await page.locator('#gk-checked').filter({ hasText: 'Last checked' }).waitFor(WAIT)

    const opened = await h.admin('POST', '/v1/open')
    t.equal(opened.status, 200)
    const appLoaded = page.waitForResponse((r) => r.url() === publicUrl(h, '/') && r.status() === 200, WAIT)
    // the window has widened after an unchanged answer: at most a minute away
    await page.clock.fastForward(61_000)
    await appLoaded
    await page.locator('#app').waitFor(WAIT)
    t.equal(await page.innerText('#app'), 'Sample application', 'the application, without the reader doing anything')
  })
})
