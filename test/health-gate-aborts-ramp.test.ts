import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { get, publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { startReopenHarness, waitUntil } from './helpers/reopen-harness.js'

t.test('an upstream that starts answering 500 during a step aborts the ramp and closes the site', async (t) => {
  const h = await startReopenHarness(t, {
    initialMode: 'closed',
    // the keys come through the test's stand-in for an API gateway: the key header is taken only from a trusted proxy
    staged: { keyHeader: 'x-client' },
    trustedProxies: ['127.0.0.1/32'],
    healthGate: { serverErrors: { maxShare: 0.2, minSamples: 10 } }
  })
  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 50, hold: '10m' }, { percent: 100 }] })).status, 200)

  await sendUntilPassed(publicUrl(h, '/echo'), 'x-client', 20, { prefix: 'healthy' })
  h.clock.advance(1000)
  await waitUntil(() => h.gk.reopen.healthGate.lastVerdict() !== null, 'the first judgement')
  t.match(h.gk.reopen.healthGate.lastVerdict(), { tripped: false, figures: { requests: 20, serverErrors: 0 } }, 'healthy answers pass the gate')
  t.equal(h.state().mode, 'staged')

  // the application starts failing
  await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 20, { prefix: 'failing' })
  h.clock.advance(1000)
  const closed = await h.waitForState((s) => s.mode === 'closed', 'the health gate to abort the ramp')
  t.equal(closed.percent, 0)
  t.match(closed.ramp?.ended, { outcome: 'aborted', by: 'gatekeeper', reason: /^health gate: 5xx share 50\.0 % of 40 requests .* is above 20\.0 %/ })
  t.equal((await get(publicUrl(h, '/echo'), { headers: { 'x-client': 'healthy-0' } })).status, 503, 'the public is held again')

  const audit = await (await h.admin('GET', '/v1/audit?limit=5')).json() as AuditEntry[]
  const [abort, tripped] = audit
  t.match(abort, { action: 'ramp.abort', actor: 'gatekeeper', after: { mode: 'closed', ramp: { ended: { outcome: 'aborted', reason: /5xx share/ } } } }, 'the audit says why')
  t.match(tripped, { action: 'health.tripped', actor: 'gatekeeper', after: { reasons: [/5xx share/], figures: { requests: 40, serverErrors: 20 } } }, 'with the figures')
  t.equal(h.gk.reopen.healthGate.trips, 1)
})
