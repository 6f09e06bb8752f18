// Screenshots of the maintenance page and the admin console at desktop and
// phone widths, for the README. Runs a real Gatekeeper (from dist/: run
// `npm run build` first) in front of the sample application, on loopback
// ports chosen by the system, and drives Debian's Chromium.
//
//   node bench/screenshots.mjs [output folder]    (default: bench/screenshots)

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

const root = resolve(import.meta.dirname, '..')
const outDir = resolve(process.argv[2] ?? join(root, 'bench', 'screenshots'))
const CHROMIUM = process.env.GK_CHROMIUM ?? '/usr/bin/chromium'
const TOKEN = 'screenshot-operator-token-0123456789'

const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
}

if (!existsSync(join(root, 'dist', 'src', 'server.js'))) {
  console.error('dist/ is missing: run "npm run build" first')
  process.exit(1)
}
if (!existsSync(CHROMIUM)) {
  console.error(`Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium"`)
  process.exit(1)
}

const { parseConfig } = await import(join(root, 'dist/src/config/config.js'))
const { startGatekeeper } = await import(join(root, 'dist/src/server.js'))
const { startSampleUpstream } = await import(join(root, 'dist/src/sample/sample-upstream.js'))

const dir = mkdtempSync(join(tmpdir(), 'gk-screenshots-'))
const upstream = await startSampleUpstream(0)
const config = parseConfig({
  listen: { host: '127.0.0.1', port: 0 },
  upstream: upstream.url,
  admin: { listen: { host: '127.0.0.1', port: 0 }, tokens: [{ name: 'ops', role: 'operator', tokenEnv: 'GK_SHOT_TOKEN' }] },
  allowlist: [{ cidr: '10.20.0.0/16', label: 'ops network' }],
  store: { type: 'file', path: join(dir, 'state.json') },
  maintenance: { pagesDir: join(root, 'maintenance-pages') },
  logLevel: 'silent'
}, { ...process.env, GK_SHOT_TOKEN: TOKEN })
const gk = await startGatekeeper(config)
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
})

async function admin (method, path, body) {
  const headers = { authorization: `Bearer ${TOKEN}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(gk.adminUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return await response.json()
}

const written = []
async function shoot (page, name, options = {}) {
  const path = join(outDir, `${name}.png`)
  await page.screenshot({ path, ...options })
  written.push(path)
}

try {
  mkdirSync(outDir, { recursive: true })
  // an upgrade in its last stretch: closed, an announced end, testers and a DBA let through
  const until = new Date(Date.now() + 47 * 60 * 1000)
  until.setSeconds(0, 0)
  await admin('POST', '/v1/close', { reason: 'We are upgrading the course site to the new release. Your work is saved.', until: until.toISOString() })
  await admin('POST', '/v1/allowlist', { cidr: '198.51.100.23/32', label: 'DBA on the bridge call' })
  await admin('POST', '/v1/tokens', { name: 'qa-alice', ttl: '8h' })
  await admin('POST', '/v1/tokens', { name: 'qa-bob', ttl: '8h' })

  for (const [width, options] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ ...options, locale: 'en-GB', timezoneId: 'Europe/Berlin', colorScheme: 'light' })
    const page = await context.newPage()
    await page.goto(gk.publicUrl + '/courses/123')
    await page.locator('#gk-countdown').waitFor({ state: 'visible' })
    await shoot(page, `page-${width}`)
    await context.close()
  }

  const dark = await browser.newContext({ ...VIEWPORTS.phone, locale: 'en-GB', timezoneId: 'Europe/Berlin', colorScheme: 'dark' })
  const darkPage = await dark.newPage()
  await darkPage.goto(gk.publicUrl + '/')
  await darkPage.locator('#gk-countdown').waitFor({ state: 'visible' })
  await shoot(darkPage, 'page-phone-dark')
  await dark.close()

  // the testers said go: a ramp is running when the bridge call looks at the console
  await admin('POST', '/v1/ramp', { steps: [{ percent: 5, hold: '10m' }, { percent: 25, hold: '10m' }, { percent: 100 }] })
  for (const [width, options] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ ...options, locale: 'en-GB', timezoneId: 'Europe/Berlin', colorScheme: 'light' })
    const page = await context.newPage()
    await page.goto(gk.adminUrl + '/console')
    await page.fill('#login-token', TOKEN)
    await page.click('#login-form button[type=submit]')
    await page.locator('#ramp-status').filter({ hasText: 'Step 1 of 3' }).waitFor()
    await page.locator('#audit table').waitFor()
    // the phone shot is the first screen: the whole console would be a very long strip
    await shoot(page, `console-${width}`, { fullPage: width === 'desktop' })
    await page.click('button[data-action="stage"]')
    await page.fill('#confirm-percent', '25')
    await page.locator('#confirm-effect').filter({ hasText: 'About 25 %' }).waitFor()
    await shoot(page, `console-confirm-${width}`)
    await context.close()
  }
} finally {
  await browser.close()
  await gk.close()
  await upstream.close()
  rmSync(dir, { recursive: true, force: true })
}

for (const path of written) console.log(path)
