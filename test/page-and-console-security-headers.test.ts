import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { CONSOLE_PATHS } from '../src/console/console-assets.js'
import { compileTemplate } from '../src/page/template.js'
import { OPERATOR_TOKEN, get, publicUrl, rawStatus, startHarness, tempDir } from './helpers/harness.js'

/** The text of every inline <script> and <style> element, as a browser hashes it. */
function inlineBlocks (html: string, element: 'script' | 'style'): string[] {
  const blocks: string[] = []
  const pattern = new RegExp(`<${element}(\\s[^>]*)?>([\\s\\S]*?)</${element}>`, 'gi')
  for (const match of html.matchAll(pattern)) {
    if (element === 'script' && /\bsrc=|application\/json/i.test(match[1] ?? '')) continue
    blocks.push(match[2] ?? '')
  }
  return blocks
}

function sha256 (text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`
}

function directive (policy: string, name: string): string {
  return policy.split(';').map((part) => part.trim()).find((part) => part.startsWith(name + ' ')) ?? ''
}

t.test('the maintenance page carries a Content-Security-Policy that allows its own inline code and nothing from elsewhere', async (t) => {
  const dir = tempDir(t)
  const pagesDir = join(dir, 'pages')
  mkdirSync(join(pagesDir, 'assets'), { recursive: true })
  copyFileSync(join(process.cwd(), 'maintenance-pages', 'default.html'), join(pagesDir, 'default.html'))
  writeFileSync(join(pagesDir, 'assets', 'site.css'), 'main{color:#123}')
  const h = await startHarness(t, { maintenance: { pagesDir } }, dir)
  t.equal((await h.admin('POST', '/v1/close', { reason: 'Upgrade' })).status, 200)

  // a plain target and one that needs a closer look (percent-encoded): the same headers either way
  for (const path of ['/account', '/a%20b']) {
    const page = await get(publicUrl(h, path), { headers: { accept: 'text/html' } })
    t.equal(page.status, 503, `${path}: the maintenance page`)
    t.equal(page.headers['x-content-type-options'], 'nosniff', `${path}: nosniff`)
    const policy = String(page.headers['content-security-policy'])
    t.match(policy, /^default-src 'none'/, `${path}: nothing is allowed unless named`)
    t.notMatch(policy, /unsafe-inline|unsafe-eval|https?:|\*/, `${path}: no inline code but the page's own, no other origin`)
    t.equal(directive(policy, 'connect-src'), "connect-src 'self'", `${path}: the status poll goes to this origin only`)
    t.match(policy, "frame-ancestors 'none'")
    t.match(policy, "base-uri 'none'")
    const scripts = inlineBlocks(page.body, 'script')
    const styles = inlineBlocks(page.body, 'style')
    t.ok(scripts.length > 0 && styles.length > 0, 'the default page has an inline script and style')
    for (const script of scripts) t.match(directive(policy, 'script-src'), sha256(script), `${path}: its inline script is allowed by hash`)
    for (const style of styles) t.match(directive(policy, 'style-src'), sha256(style), `${path}: its inline style is allowed by hash`)
    t.match(directive(policy, 'script-src'), "'self'", 'scripts of its own assets')
    t.match(directive(policy, 'style-src'), "'self'", 'styles of its own assets')
  }
  t.equal(await rawStatus(h.gk.publicUrl, '/x/../y'), 503, 'a normalised target gets the page too')

  const head = await get(publicUrl(h, '/'), { method: 'HEAD', headers: { accept: 'text/html' } })
  t.ok(head.headers['content-security-policy'], 'HEAD carries the policy')
  const json = await get(publicUrl(h, '/'), { headers: { accept: 'application/json' } })
  t.equal(json.headers['x-content-type-options'], 'nosniff', 'the JSON maintenance answer is not sniffed')

  const asset = await get(publicUrl(h, '/__gatekeeper/assets/site.css'))
  t.equal(asset.status, 200)
  t.equal(asset.headers['x-content-type-options'], 'nosniff', 'the page\'s assets are not sniffed')
})

t.test('the built-in page, used when the sysadmin\'s cannot be, is covered too', async (t) => {
  const dir = tempDir(t)
  const h = await startHarness(t, { maintenance: { pagesDir: join(dir, 'missing') } }, dir)
  await h.admin('POST', '/v1/close', {})
  const page = await get(publicUrl(h, '/'), { headers: { accept: 'text/html' } })
  t.equal(page.status, 503)
  const policy = String(page.headers['content-security-policy'])
  for (const style of inlineBlocks(page.body, 'style')) t.match(directive(policy, 'style-src'), sha256(style))
  t.equal(page.headers['x-content-type-options'], 'nosniff')
})

t.test('the console, its files and the admin JSON are never sniffed', async (t) => {
  const h = await startHarness(t)
  for (const path of CONSOLE_PATHS) {
    const answer = await get(h.gk.adminUrl + path)
    t.equal(answer.headers['x-content-type-options'], 'nosniff', path)
    t.match(String(answer.headers['content-security-policy']), "default-src 'none'", `${path} has the console's policy`)
  }
  const auth = { authorization: `Bearer ${OPERATOR_TOKEN}` }
  for (const [path, headers, status] of [['/v1/state', auth, 200], ['/healthz', {}, 200], ['/v1/state', {}, 401], ['/v1/nothing', auth, 404]] as const) {
    const answer = await get(h.gk.adminUrl + path, { headers })
    t.equal(answer.status, status, `${path} answers ${status}`)
    t.match(answer.headers['content-type'], /^application\/json/)
    t.equal(answer.headers['x-content-type-options'], 'nosniff', `${path} (${status}) is not sniffed`)
  }
})

t.test('the policy hashes the inline code as a browser parses it: line ends folded, data blocks left out', async (t) => {
  const page = compileTemplate('<style>\r\nmain{color:red}\r\n</style><script>\r\nrun()\r\n</script><script type="application/json" id="gk-data">{{json}}</script>', 'crlf.html')
  const policy = String(page.headers[page.headers.indexOf('content-security-policy') + 1])
  t.match(directive(policy, 'style-src'), sha256('\nmain{color:red}\n'))
  t.match(directive(policy, 'script-src'), sha256('\nrun()\n'))
  t.equal(directive(policy, 'script-src').split(' ').length, 3, "'self' and the one script: the data block, which changes with every state, is not hashed")
})
