import { readFileSync } from 'node:fs'
import t from 'tap'
import { loadPages } from '../src/page/pages.js'
import type { PageVars } from '../src/page/template.js'

const vars: PageVars = {
  reason: 'Upgrading to 23.1',
  eta: '2030-01-01T06:00:00.000Z',
  etaText: '1 January 2030, 06:00 UTC',
  retryAfter: 3600,
  statusPath: '/__gatekeeper/status',
  refreshSeconds: 30
}

t.test('each host gets its own template, matched without case, port or trailing dot', async (t) => {
  const dir = t.testdir({
    'default.html': '<p>default: {{reason}}</p>',
    'shop.example.com.html': '<p>shop: {{reason}}</p>',
    'Docs.Example.org.html': '<p>docs: {{reason}}</p>',
    'notes.txt': 'not a template'
  })
  const pages = loadPages(dir)
  t.same(pages.problems, [])
  t.equal(pages.forHost('shop.example.com')(vars), '<p>shop: Upgrading to 23.1</p>')
  t.equal(pages.forHost('SHOP.Example.COM:8443')(vars), '<p>shop: Upgrading to 23.1</p>')
  t.equal(pages.forHost('shop.example.com.')(vars), '<p>shop: Upgrading to 23.1</p>')
  t.equal(pages.forHost('docs.example.org')(vars), '<p>docs: Upgrading to 23.1</p>')
  t.equal(pages.forHost('example.com')(vars), '<p>default: Upgrading to 23.1</p>')
  t.equal(pages.forHost('[::1]:8080')(vars), '<p>default: Upgrading to 23.1</p>')
  t.equal(pages.forHost('')(vars), '<p>default: Upgrading to 23.1</p>')
  t.equal(pages.forHost(undefined)(vars), '<p>default: Upgrading to 23.1</p>')
})

t.test('a broken host template falls back to the default and is reported with its line', async (t) => {
  const dir = t.testdir({
    'default.html': '<p>default: {{reason}}</p>',
    'shop.example.com.html': '<p>\n<script>var r = "{{reason}}"</script>',
    'staging.example.com.html': '<p>{{reasn}}</p>'
  })
  const pages = loadPages(dir)
  t.equal(pages.problems.length, 2)
  t.match(pages.problems[0], /shop\.example\.com\.html, line 2: \{\{reason\}\} inside <script>.*; serving the default page for shop\.example\.com instead$/)
  t.match(pages.problems[1], /staging\.example\.com\.html, line 1: unknown placeholder \{\{reasn\}\}/)
  t.equal(pages.forHost('shop.example.com')(vars), '<p>default: Upgrading to 23.1</p>')
  t.equal(pages.forHost('staging.example.com')(vars), '<p>default: Upgrading to 23.1</p>')
})

t.test('files that are not host names are ignored and reported', async (t) => {
  const dir = t.testdir({
    'default.html': '<p>default</p>',
    'bad_name.example.html': '<p>underscore</p>',
    '-dash.example.html': '<p>dash</p>',
    '.hidden.example.html': '<p>hidden</p>',
    'twice.example.html': '<p>lower</p>',
    'TWICE.example.html': '<p>upper</p>'
  })
  const pages = loadPages(dir)
  t.equal(pages.problems.length, 3)
  t.match(pages.problems.join('\n'), /ignored .*-dash\.example\.html: "-dash\.example" is not a host name/)
  t.match(pages.problems.join('\n'), /ignored .*bad_name\.example\.html: "bad_name\.example" is not a host name/)
  t.match(pages.problems.join('\n'), /ignored .*twice\.example\.html: another file already holds the page for twice\.example/)
  t.equal(pages.forHost('bad_name.example')(vars), '<p>default</p>')
  t.equal(pages.forHost('hidden.example')(vars), '<p>default</p>')
})

t.test('a missing or broken default falls back to the built-in page and is reported', async (t) => {
  const cases: Array<{ label: string, files: Record<string, string>, under: string, problem: RegExp }> = [
    { label: 'missing', files: { 'shop.example.com.html': '<p>shop</p>' }, under: '', problem: /default\.html is missing; serving the built-in page$/ },
    { label: 'broken', files: { 'default.html': '<p>\n\n{{reason</p>' }, under: '', problem: /default\.html, line 3: '\{\{' is not closed.*; serving the built-in page instead$/ },
    { label: 'absent', files: {}, under: '/nowhere', problem: /^cannot read the maintenance pages directory: ENOENT.*nowhere.*; serving the built-in page$/ }
  ]
  for (const { label, files, under, problem } of cases) {
    t.test(label, async (t) => {
      const pages = loadPages(t.testdir(files) + under)
      t.equal(pages.problems.length, 1)
      t.match(pages.problems[0], problem)
      const page = pages.forHost('example.com')({ ...vars, reason: '<b>x</b>' })
      t.match(page, '<p>&lt;b&gt;x&lt;/b&gt;</p>', 'the built-in page shows the escaped reason')
      t.match(page, '<meta http-equiv="refresh" content="30">', 'the built-in page refreshes itself')
      t.match(page, '1 January 2030, 06:00 UTC')
      if (label === 'missing') t.equal(pages.forHost('shop.example.com')(vars), '<p>shop</p>', 'host templates still work without a default')
    })
  }
})

t.test('the shipped default page: self-contained, under 10 KB, refreshes without JavaScript', async (t) => {
  const pages = loadPages('maintenance-pages')
  t.same(pages.problems, [])
  const source = readFileSync('maintenance-pages/default.html')
  t.ok(source.length < 10 * 1024, `the template is ${source.length} bytes`)
  const reason = 'We are upgrading the course site to version 23.1 and migrating the database; uploads made during the window would be lost. '.repeat(2)
  const page = Buffer.from(pages.forHost('example.com')({ ...vars, reason }))
  t.ok(page.length < 10 * 1024, `a rendered page is ${page.length} bytes`)
  const html = page.toString()
  t.match(html, '<noscript><meta http-equiv="refresh" content="30"></noscript>')
  t.match(html, /<html lang="en">/)
  t.match(html, /<main>[\s\S]*<h1>[\s\S]*<\/main>/)
  t.match(html, '1 January 2030, 06:00 UTC', 'the expected end in UTC for readers without JavaScript')
  t.match(html, 'You will be let in automatically')
  t.match(html, 'prefers-color-scheme:dark')
  t.match(html, 'prefers-reduced-motion:reduce')
  t.equal(html.match(/<style>/g)?.length, 1, 'one inline style')
  t.equal(html.match(/<script>/g)?.length, 1, 'one inline script, plus the data block')
  t.notMatch(html, /\s(src|href)=|url\(|@import|\son[a-z]+=/i, 'no external resources, no inline event handlers')
})
