import t from 'tap'
import { join } from 'node:path'
import type { Lease } from '../src/state/lease.js'
import { startHarness, tempDir } from './helpers/harness.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

t.test('/readyz answers 200 without a token once both listeners are up and the state is loaded', async (t) => {
  const h = await startHarness(t)
  const res = await fetch(h.gk.adminUrl + '/readyz')
  t.equal(res.status, 200)
  t.equal(res.headers.get('cache-control'), 'no-store')
  t.same(await res.json(), { ready: true, reasons: [] })
})

t.test('/readyz stays 200 while /healthz is degraded: ready is about serving, not about every part being well', async (t) => {
  const h = await startHarness(t, { maintenance: { pagesDir: join(tempDir(t), 'no-such-pages') } })
  t.equal((await fetch(h.gk.adminUrl + '/healthz')).status, 503)
  t.equal((await fetch(h.gk.adminUrl + '/readyz')).status, 200)
})

t.test('/readyz answers 503 as soon as close() has begun, while the instance still drains', async (t) => {
  // a lease whose release the test holds open keeps close() in progress with the admin listener still up
  let letGo = (): void => {}
  const released = new Promise<void>((resolve) => { letGo = resolve })
  const lease: Lease = { tryAcquire: async () => true, release: async () => { await released } }
  const h = await startReopenHarness(t, {}, { lease })
  t.equal((await fetch(h.gk.adminUrl + '/readyz')).status, 200)

  const closing = h.gk.close()
  const res = await fetch(h.gk.adminUrl + '/readyz')
  t.equal(res.status, 503, 'a load balancer stops sending new work here')
  const body = await res.json() as { ready: boolean, reasons: string[] }
  t.equal(body.ready, false)
  t.match(body.reasons, [/stopping/])
  letGo()
  await closing
})
