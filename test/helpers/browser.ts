import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'

/** Debian's Chromium: the tests never download a browser of their own. */
export const CHROMIUM = process.env.GK_CHROMIUM ?? '/usr/bin/chromium'

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

interface Teardown { teardown (fn: () => unknown): void }

/**
 * One headless Chromium per test file (each launch gets a fresh temporary
 * profile), closed in teardown. A missing browser fails the test and says
 * how to install it, rather than skipping silently.
 */
export async function launchBrowser (t: Teardown): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (or set GK_CHROMIUM to another Chromium binary)`)
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
  t.teardown(() => browser.close())
  return browser
}

/** A fresh context (cookies, storage) with a known language and zone, closed in teardown. */
export async function newContext (t: Teardown, browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'UTC', ...options })
  t.teardown(() => context.close())
  return context
}

/** A page of the console signed in with `token`, and the script errors it throws (expected to stay empty). */
export async function signedInConsole (t: Teardown, adminUrl: string, token: string): Promise<{ page: Page, failedScripts: string[] }> {
  const browser = await launchBrowser(t)
  const page = await (await newContext(t, browser)).newPage()
  const failedScripts: string[] = []
  page.on('pageerror', (err) => failedScripts.push(err.message))
  await page.goto(adminUrl + '/console')
  await page.fill('#login-token', token)
  await page.click('#login-form button[type=submit]')
  return { page, failedScripts }
}
