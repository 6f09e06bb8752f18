import t from 'tap'
import type { Page } from 'playwright-core'
import type { AuditEntry } from '../src/state/types.js'
import { launchBrowser, newContext } from './helpers/browser.js'
import { OPERATOR_TOKEN, VIEWER_TOKEN } from './helpers/harness.js'
import { startNode, startNodesGate } from './helpers/nodes.js'

const WAIT = { timeout: 45_000 }

async function signIn (page: Page, url: string, token: string): Promise<void> {
  await page.goto(url + '/console')
  await page.fill('#login-token', token)
  await page.click('#login-form button[type=submit]')
  await page.locator('#mode').filter({ hasText: /^open$/ }).waitFor(WAIT)
}

/** The row of one node in the Nodes panel. */
function nodeRow (page: Page, name: string) {
  return page.locator('#nodes tr').filter({ has: page.locator('td[data-label="Node"]', { hasText: new RegExp(`^${name}$`) }) })
}

t.test('the console lists the application nodes with their health and takes one out, with If-Match and an audit entry', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }],
    { healthCheck: { path: '/portal/health', interval: '500ms', timeout: '450ms', fall: 1, rise: 1 } })
  walton.healthy = false
  const browser = await launchBrowser(t)
  const failedScripts: string[] = []

  // a phone in dark mode: the panel must be readable there too
  const context = await newContext(t, browser, { viewport: { width: 390, height: 844 }, colorScheme: 'dark' })
  const page = await context.newPage()
  page.on('pageerror', (err) => failedScripts.push(err.message))
  page.on('console', (message) => { if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) failedScripts.push(message.text()) })
  await signIn(page, h.gk.adminUrl, OPERATOR_TOKEN)

  await nodeRow(page, 'stubing').locator('td[data-label="Health"]').filter({ hasText: /^up$/ }).waitFor(WAIT)
  await nodeRow(page, 'walton').locator('td[data-label="Health"]').filter({ hasText: /^down$/ }).waitFor(WAIT)
  t.match(await nodeRow(page, 'stubing').innerText(), stubing.url, 'each node with its URL')
  t.match(await nodeRow(page, 'walton').locator('td[data-label="State"]').innerText(), /^in/)
  const lastCheck = await nodeRow(page, 'walton').locator('td[data-label="Last check"]').innerText()
  t.match(lastCheck, /ago/, 'the last check, as an age')
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }))
  t.ok(widths.page <= widths.view, `nothing wider than a phone (${widths.page} px in ${widths.view} px)`)
  const colours = await page.evaluate(() => {
    const card = document.querySelector('#nodes')?.closest('.card') as HTMLElement
    return { card: getComputedStyle(card).backgroundColor, text: getComputedStyle(card).color }
  })
  t.equal(colours.card, 'rgb(27, 30, 36)', 'the dark card')
  t.equal(colours.text, 'rgb(236, 238, 242)', 'light text on it')

  // walton out, stated in words first, sent with If-Match
  await page.click('button[aria-label="Set the state of walton"]')
  await page.locator('#confirm').waitFor({ state: 'visible', ...WAIT })
  await page.selectOption('#confirm-node-state', 'out')
  await page.fill('#confirm-node-reason', 'upgrade to 2.4.1')
  t.match(await page.innerText('#confirm-effect'), 'The node "walton" takes no request at all')
  t.equal(await page.innerText('#confirm-ok'), 'Set the node\'s state')
  const before = (await (await h.admin('GET', '/v1/nodes')).json() as { nodes: Array<{ name: string, state: string }> }).nodes
  t.equal(before.find((n) => n.name === 'walton')?.state, 'in', 'nothing changes before the confirmation')
  const sent = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/v1/nodes/walton'))
  await page.click('#confirm-ok')
  t.match((await sent).headers()['if-match'], /^"\d+"$/, 'sent with the version shown')
  await nodeRow(page, 'walton').locator('td[data-label="State"]').filter({ hasText: /^out \(upgrade to 2\.4\.1\)$/ }).waitFor(WAIT)
  await page.locator('#notice').filter({ hasText: 'Done: the node "walton" is out' }).waitFor(WAIT)
  t.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Set the state of walton', 'the focus returns to the node\'s button, though the list was redrawn')

  const after = (await (await h.admin('GET', '/v1/nodes')).json() as { nodes: Array<{ name: string, state: string, reason: string }> }).nodes
  t.match(after.find((n) => n.name === 'walton'), { state: 'out', reason: 'upgrade to 2.4.1' })
  t.match(after.find((n) => n.name === 'stubing'), { state: 'in' })
  const audit = await (await h.admin('GET', '/v1/audit?limit=1')).json() as AuditEntry[]
  t.match(audit, [{ action: 'node.state', actor: 'ops' }])

  // a viewer watches the nodes; the console shows the same controls, and the API refuses the change
  const viewerContext = await newContext(t, browser, { viewport: { width: 1280, height: 800 } })
  const viewerPage = await viewerContext.newPage()
  viewerPage.on('pageerror', (err) => failedScripts.push(err.message))
  await signIn(viewerPage, h.gk.adminUrl, VIEWER_TOKEN)
  await nodeRow(viewerPage, 'walton').locator('td[data-label="State"]').filter({ hasText: /^out/ }).waitFor(WAIT)
  await nodeRow(viewerPage, 'stubing').locator('td[data-label="Health"]').filter({ hasText: /^up$/ }).waitFor(WAIT)
  await viewerPage.click('button[aria-label="Set the state of stubing"]')
  await viewerPage.locator('#confirm').waitFor({ state: 'visible', ...WAIT })
  await viewerPage.selectOption('#confirm-node-state', 'drain')
  await viewerPage.click('#confirm-ok')
  await viewerPage.locator('#confirm-error').filter({ hasText: /viewer: changes need an operator token/ }).waitFor(WAIT)
  const still = (await (await h.admin('GET', '/v1/nodes')).json() as { nodes: Array<{ name: string, state: string }> }).nodes
  t.equal(still.find((n) => n.name === 'stubing')?.state, 'in', 'a viewer cannot change a node')

  t.same(failedScripts, [], 'no script error')
})
