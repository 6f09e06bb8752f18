import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { settle, startReopenHarness, waitUntil } from './helpers/reopen-harness.js'

t.test('staged by hand, a failing upstream closes the site; answers from before the staging do not count', async (t) => {
  const h = await startReopenHarness(t, {
    // the keys come through the test's stand-in for an API gateway: the key header is taken only from a trusted proxy
    staged: { keyHeader: 'x-client' },
    trustedProxies: ['127.0.0.1/32'],
    healthGate: { serverErrors: { maxShare: 0.5, minSamples: 10 } }
  })
  // open: answers are counted for /metrics, never judged
  await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 10, { prefix: 'open' })
  h.clock.advance(1000)
  await settle()
  t.equal(h.gk.reopen.healthGate.lastVerdict(), null)
  t.equal(h.state().mode, 'open')

  t.equal((await h.admin('POST', '/v1/stage', { percent: 50 })).status, 200)
  await sendUntilPassed(publicUrl(h, '/status/502'), 'x-client', 10, { prefix: 'staged', passed: (a) => a.status === 502 })
  h.clock.advance(1000)
  const closed = await h.waitForState((s) => s.mode === 'closed', 'the health gate to close the site')
  t.equal(closed.ramp, undefined)
  await waitUntil(() => h.gk.reopen.healthGate.trips === 1, 'the trip to be counted')
  const audit = await (await h.admin('GET', '/v1/audit?limit=2')).json() as AuditEntry[]
  t.match(audit, [
    { action: 'health.close', actor: 'gatekeeper', after: { mode: 'closed' } },
    { action: 'health.tripped', after: { reasons: [/^5xx share 100\.0 % of 10 requests/] } }
  ])
})
