import { readFileSync } from 'node:fs'
import t from 'tap'
import { compileTemplate, type PageVars } from '../src/page/template.js'

const HOSTILE = '&<>"\'`</script><!--'
const HOSTILE_ESCAPED = '&amp;&lt;&gt;&quot;&#39;&#96;&lt;/script&gt;&lt;!--'

const vars: PageVars = {
  reason: 'Upgrading to 23.1',
  eta: '2030-01-01T06:00:00.000Z',
  etaText: '1 January 2030, 06:00 UTC',
  retryAfter: 3600,
  statusPath: '/__gatekeeper/status',
  refreshSeconds: 30
}

function errorOf (source: string, name = 'probe.html'): string {
  try {
    compileTemplate(source, name)
  } catch (err) {
    return (err as Error).message
  }
  return 'compiled without an error'
}

t.test('every text variable is HTML-escaped in text and in attributes', async (t) => {
  for (const name of ['reason', 'eta', 'etaText', 'statusPath'] as const) {
    const render = compileTemplate(`<p title="{{${name}}}">{{${name}}}</p>`, 'escape.html')
    t.equal(render({ ...vars, [name]: HOSTILE }), `<p title="${HOSTILE_ESCAPED}">${HOSTILE_ESCAPED}</p>`, name)
  }
})

t.test('number variables are written as whole seconds, never as text', async (t) => {
  const render = compileTemplate('<meta http-equiv="refresh" content="{{refreshSeconds}}"><p>{{retryAfter}}</p>', 'numbers.html')
  t.equal(render({ ...vars, refreshSeconds: 12.2, retryAfter: 90 }), '<meta http-equiv="refresh" content="13"><p>90</p>')
  const smuggled = { ...vars, refreshSeconds: '0; url=https://elsewhere.example/' as unknown as number, retryAfter: Number.NaN }
  t.equal(render(smuggled), '<meta http-equiv="refresh" content="0"><p>0</p>')
})

t.test('{{json}} carries every variable into a data block that no value can end', async (t) => {
  const render = compileTemplate('<script type="application/json" id="gk-data">{{json}}</script>', 'json.html')
  const hostile = { ...vars, reason: `${HOSTILE}\u2028</SCRIPT >`, etaText: '</script><script>alert(1)</script>' }
  const page = render(hostile)
  const body = page.slice('<script type="application/json" id="gk-data">'.length, -'</script>'.length)
  t.notMatch(body, /</, 'no "<" inside the block, so it cannot close it')
  t.notMatch(body, /\u2028/)
  t.same(JSON.parse(body), hostile, 'the script reads back exactly what was rendered')
})

t.test('a reason with </script> cannot break out of the shipped page', async (t) => {
  const render = compileTemplate(readFileSync('maintenance-pages/default.html', 'utf8'), 'default.html')
  const page = render({ ...vars, reason: '</script><script>alert(1)</script>' })
  t.equal(page.match(/<script/gi)?.length, 2, 'the data block and the page script, nothing more')
  t.match(page, '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
})

t.test('compiling fails with the template name, the line and the problem', async (t) => {
  t.equal(errorOf('<p>\n\n{{reasn}}</p>', 'example.com.html'),
    'template example.com.html, line 3: unknown placeholder {{reasn}}; known: reason, eta, etaText, retryAfter, refreshSeconds, statusPath, json')
  t.match(errorOf('<p>\n{{reason</p>\n'), /^template probe\.html, line 2: '\{\{' is not closed/)
  t.match(errorOf('<p>{{reason\n}}</p>'), /line 1: '\{\{' is not closed/)
  t.match(errorOf('<p>{{{reason}}}</p>'), /line 1: raw output \{\{\{…\}\}\} is not supported/)
  t.match(errorOf('<p>{{constructor}}</p>'), /unknown placeholder \{\{constructor\}\}/)
  t.match(errorOf('<p>{{ reason.length }}</p>'), /is not a placeholder name/)
  const err = (() => { try { compileTemplate('{{x}}', 'x.html') } catch (err) { return err as { code?: string } } })()
  t.equal(err?.code, 'GK_ERR_TEMPLATE')
})

t.test('placeholders where escaping would not protect the page are refused', async (t) => {
  t.match(errorOf('<script>\nconst reason = "{{reason}}"\n</script>'), /line 2: \{\{reason\}\} inside <script>: values never go into code/)
  t.match(errorOf('<script>{{json}}</script>'), /inside <script>/, 'json only in a data block, not in code')
  t.match(errorOf('<p>{{json}}</p>'), /may only stand inside <script type="application\/json">/)
  t.match(errorOf('<style>p::before{content:"{{reason}}"}</style>'), /inside <style>/)
  t.match(errorOf('<p title={{reason}}>'), /not in a quoted attribute value/)
  t.match(errorOf('<p {{reason}}>'), /not in a quoted attribute value/)
  t.match(errorOf('<{{reason}}>'), /right after '<'/)
  t.match(errorOf('<button onclick="{{reason}}">'), /onclick attribute: its value would be run as code/)
  t.match(errorOf('<p style="{{retryAfter}}">'), /style attribute/)
  t.match(errorOf('<iframe srcdoc="{{reason}}">'), /srcdoc attribute/)
  t.match(errorOf('<a href="{{reason}}">'), /href attribute: text values may go in page text/)
  t.match(errorOf('<meta http-equiv="refresh" content="{{reason}}">'), /content attribute/)
  t.match(errorOf('<script type="{{reason}}">{{json}}</script>'), /attribute of <script>/)
})

t.test('placeholders are accepted where escaping is enough', async (t) => {
  const render = compileTemplate([
    '<!-- {{reason}} -->',
    '<title>{{reason}}</title>',
    '<a href="{{statusPath}}" aria-label=\'{{reason}}\' data-eta="{{eta}}">{{ etaText }}</a>',
    '<time datetime="{{eta}}">{{etaText}}</time>',
    '<script>const close = "</scrip" + "t>"</script><p>{{reason}}</p>',
    '<style>@media (x){a{b:c}}</style><p>{{reason}}</p>'
  ].join('\n'), 'accepted.html')
  const page = render({ ...vars, reason: HOSTILE })
  t.equal(page.split(HOSTILE_ESCAPED).length - 1, 5)
  t.notMatch(page, HOSTILE)
})

t.test('a compiled template renders each state without compiling again', async (t) => {
  const render = compileTemplate('<p>{{reason}}</p><p>{{etaText}}</p>', 'twice.html')
  t.equal(render(vars), '<p>Upgrading to 23.1</p><p>1 January 2030, 06:00 UTC</p>')
  t.equal(render({ ...vars, reason: 'Database migration', etaText: '' }), '<p>Database migration</p><p></p>')
})
