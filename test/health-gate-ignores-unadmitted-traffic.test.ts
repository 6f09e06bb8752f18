import t, { type Test } from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { settle, startReopenHarness, waitUntil, type ReopenHarness } from './helpers/reopen-harness.js'

const FAILING = '/status/500'

/**
 * A loopback source address the staged share does not admit: the ramp's first
 * step lets few in. Asked of the dry run, so no probe is itself an admitted,
 * judged request.
 */
async function unadmittedSource (h: ReopenHarness): Promise<string> {
  for (let i = 2; i < 250; i++) {
    const from = `127.0.0.${i}`
    const answer = await (await h.admin('GET', `/v1/admission?ip=${from}`)).json() as { admitted: boolean }
    if (!answer.admitted) return from
  }
  throw new Error('every loopback address was admitted')
}

/** One more judgement after what was sent: the gate has looked at it. */
async function judged (h: ReopenHarness): Promise<void> {
  const before = h.gk.reopen.healthGate.lastVerdict()
  h.clock.advance(1000)
  await waitUntil(() => h.gk.reopen.healthGate.lastVerdict() !== before, 'a judgement')
  await settle()
}

async function startRamp (t: Tap, extra: Record<string, unknown> = {}): Promise<ReopenHarness> {
  const h = await startReopenHarness(t, {
    initialMode: 'closed',
    alwaysAllow: { paths: [FAILING] },
    healthGate: { serverErrors: { maxShare: 0.05, minSamples: 10 }, minFailingClients: 1 },
    ...extra
  })
  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 5, hold: '10m' }, { percent: 100 }] })).status, 200)
  return h
}

type Tap = Pick<Test, 'teardown' | 'equal'>

t.test('an unadmitted client hammering an always-allowed path that fails does not abort the ramp', async (t) => {
  const h = await startRamp(t)
  const from = await unadmittedSource(h)
  for (let i = 0; i < 40; i++) t.equal((await get(publicUrl(h, FAILING), { from })).status, 500, 'the always-allowed path passes, and fails')
  await judged(h)
  t.match(h.gk.reopen.healthGate.lastVerdict(), { tripped: false, figures: { requests: 0 } }, 'none of it is judged')
  t.equal(h.state().mode, 'staged', 'the ramp goes on')
  t.equal(h.state().ramp?.ended, undefined)
  t.equal(h.gk.reopen.healthGate.trips, 0)
})

t.test('testers (allowlisted or with a bypass token) are not judged either', async (t) => {
  const h = await startRamp(t, { alwaysAllow: { paths: [] } })
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '127.0.0.77/32', label: 'tester' })).status, 201)
  const created = await h.admin('POST', '/v1/tokens', { name: 'sandra', ttl: '8h' })
  const { token } = await created.json() as { token: string }
  const from = await unadmittedSource(h)
  for (let i = 0; i < 30; i++) {
    t.equal((await get(publicUrl(h, FAILING), { from: '127.0.0.77' })).status, 500, 'the allowlisted tester passes, and fails')
    t.equal((await get(publicUrl(h, FAILING), { from, headers: { 'x-gatekeeper-bypass': token } })).status, 500, 'the token holder passes, and fails')
  }
  await judged(h)
  t.match(h.gk.reopen.healthGate.lastVerdict(), { tripped: false, figures: { requests: 0 } }, 'none of it is judged')
  t.equal(h.state().mode, 'staged', 'the ramp goes on')
  t.equal(h.gk.reopen.healthGate.trips, 0)
})
