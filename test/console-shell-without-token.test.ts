import t from 'tap'
import { CONSOLE_PATHS } from '../src/console/console-assets.js'
import { get, startHarness } from './helpers/harness.js'

t.test('the console shell is served without a token, with strict headers, and holds no data', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/close', { reason: 'secret-looking reason 7f3a' })

  const page = await get(h.gk.adminUrl + '/console')
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, "default-src 'none'")
  t.match(csp, "script-src 'self'")
  t.notMatch(csp, 'unsafe-inline', 'no inline script or style is allowed')
  t.match(csp, "frame-ancestors 'none'")
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal(page.headers['referrer-policy'], 'no-referrer')
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  t.notMatch(page.body, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a separate file')
  t.notMatch(page.body, /<style/, 'no inline style element')
  t.notMatch(page.body, /\sstyle=/, 'no inline style attribute')
  t.notMatch(page.body, /https?:\/\//, 'no external resource')
  t.notMatch(page.body, '7f3a', 'the shell carries no state')

  for (const path of CONSOLE_PATHS.filter((p) => p !== '/console')) {
    const file = await get(h.gk.adminUrl + path)
    t.equal(file.status, 200, `${path} is served without a token`)
    t.equal(file.headers['content-security-policy'], page.headers['content-security-policy'], `${path} carries the same policy`)
    t.notMatch(file.body, '7f3a', `${path} carries no state`)
    const again = await get(h.gk.adminUrl + path, { headers: { 'if-none-match': String(file.headers.etag) } })
    t.equal(again.status, 304, `${path} revalidates by ETag`)
  }
})

t.test('nothing else on the admin listener opens without a token', async (t) => {
  const h = await startHarness(t)
  for (const path of ['/v1/state', '/v1/audit', '/v1/tokens', '/v1/allowlist', '/console/../v1/state', '/console/x.js', '/console/', '/console//console.js', '/console.js', '/v1/state?/console']) {
    const answer = await get(h.gk.adminUrl + path)
    t.equal(answer.status, 401, `${path} needs a token`)
    t.notMatch(answer.body, '"version"', `${path} leaks no state`)
  }
  const post = await get(h.gk.adminUrl + '/console', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.not(post.status, 200, 'the shell answers GET only')
  t.equal((await h.admin('GET', '/v1/state')).status, 200, 'with a token the API answers')
})
