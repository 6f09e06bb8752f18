import t from 'tap'
import { get, publicUrl, startHarness } from './helpers/harness.js'

t.test('the maintenance response: 503, Retry-After from the window end, no-store, HTML or JSON, HEAD', async (t) => {
  const h = await startHarness(t)
  const until = new Date(Date.now() + 2 * 3600 * 1000).toISOString()
  await h.admin('POST', '/v1/close', { reason: 'Upgrading <script>alert(1)</script> & more', until })

  const html = await get(publicUrl(h, '/some/page'), { from: '127.0.0.3', headers: { accept: 'text/html,application/xhtml+xml' } })
  t.equal(html.status, 503)
  t.equal(html.headers['cache-control'], 'no-store')
  t.match(html.headers['content-type'], /text\/html/)
  const retryAfter = Number(html.headers['retry-after'])
  t.ok(retryAfter > 7000 && retryAfter <= 7200, `Retry-After counts down to the end (${retryAfter})`)
  t.ok(Number(html.headers.refresh) > 0, 'a Refresh header for pages without JavaScript')
  t.match(html.body, 'Upgrading &lt;script&gt;alert(1)&lt;/script&gt; &amp; more', 'the reason is escaped')
  t.notMatch(html.body, '<script>alert(1)', 'never raw')
  t.match(html.body, until.slice(0, 10), 'the ETA is shown')

  const json = await get(publicUrl(h, '/api/items'), { from: '127.0.0.3', headers: { accept: 'application/json' } })
  t.equal(json.status, 503)
  t.match(json.headers['content-type'], /application\/json/)
  t.equal(json.headers['cache-control'], 'no-store', 'the JSON reply is never cached either')
  const body = JSON.parse(json.body) as Record<string, unknown>
  t.same(Object.keys(body).sort(), ['code', 'error', 'eta', 'message', 'retryAfter', 'statusCode'])
  t.equal(body.code, 'GK_MAINTENANCE')
  t.equal(body.statusCode, 503)
  t.equal(body.message, 'Upgrading <script>alert(1)</script> & more')
  t.equal(body.eta, new Date(until).toISOString())

  const head = await get(publicUrl(h, '/'), { from: '127.0.0.3', method: 'HEAD' })
  t.equal(head.status, 503)
  t.equal(head.body, '', 'HEAD gets the headers alone')
  t.ok(Number(head.headers['content-length']) > 1000, 'with the length of the page')

  const status = await get(publicUrl(h, '/__gatekeeper/status'), { from: '127.0.0.3' })
  t.equal(status.status, 200)
  t.equal(status.headers['cache-control'], 'no-store')
  const s = JSON.parse(status.body) as Record<string, unknown>
  t.same({ mode: s.mode, admitted: s.admitted, reason: s.reason, eta: s.eta }, { mode: 'closed', admitted: false, reason: 'Upgrading <script>alert(1)</script> & more', eta: new Date(until).toISOString() })

  await h.admin('POST', '/v1/open')
  const after = JSON.parse((await get(publicUrl(h, '/__gatekeeper/status'), { from: '127.0.0.3' })).body) as Record<string, unknown>
  t.equal(after.admitted, true, 'the page learns it is admitted when the site opens')
})

t.test('without an expected end, Retry-After is the configured or stated hint', async (t) => {
  const h = await startHarness(t, { maintenance: { retryAfter: 120, pagesDir: 'maintenance-pages' } })
  await h.admin('POST', '/v1/close')
  t.equal((await get(publicUrl(h, '/'), { from: '127.0.0.3' })).headers['retry-after'], '120')
  await h.admin('POST', '/v1/close', { retryAfter: 900 })
  t.equal((await get(publicUrl(h, '/'), { from: '127.0.0.3' })).headers['retry-after'], '900')
})

t.test('a configured status code is used', async (t) => {
  const h = await startHarness(t, { maintenance: { statusCode: 502, pagesDir: 'maintenance-pages' } })
  await h.admin('POST', '/v1/close')
  t.equal((await get(publicUrl(h, '/'), { from: '127.0.0.3' })).status, 502)
})
