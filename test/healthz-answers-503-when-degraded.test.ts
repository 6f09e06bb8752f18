import t from 'tap'
import { join } from 'node:path'
import { startHarness, tempDir } from './helpers/harness.js'

interface Health { status: string, reasons: string[], mode: string, pages: { ok: boolean, problems: string[] } }

t.test('/healthz answers 200 when every part is ok', async (t) => {
  const h = await startHarness(t)
  const res = await fetch(h.gk.adminUrl + '/healthz')
  t.equal(res.status, 200)
  t.equal(res.headers.get('cache-control'), 'no-store')
  t.match(await res.json(), { status: 'ok', reasons: [], mode: 'open', store: { ok: true }, pages: { ok: true } })
})

t.test('/healthz answers 503 when degraded, naming each reason in the body', async (t) => {
  const h = await startHarness(t, { maintenance: { pagesDir: join(tempDir(t), 'no-such-pages') } })
  const res = await fetch(h.gk.adminUrl + '/healthz')
  t.equal(res.status, 503, 'a load balancer or monitor sees the degradation in the status')
  t.equal(res.headers.get('cache-control'), 'no-store')
  const body = await res.json() as Health
  t.equal(body.status, 'degraded')
  t.equal(body.mode, 'open', 'the body still tells what is served')
  t.equal(body.pages.ok, false)
  t.equal(body.reasons.length, 1, 'one part is degraded')
  t.match(body.reasons[0], /^pages: cannot read the maintenance pages directory/, 'the reason names the part and what is wrong')

  const head = await fetch(h.gk.adminUrl + '/healthz', { method: 'HEAD' })
  t.equal(head.status, 503, 'HEAD tells the same')
})
