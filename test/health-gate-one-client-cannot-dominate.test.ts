import t, { type Test } from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { settle, startReopenHarness, waitUntil, type ReopenHarness } from './helpers/reopen-harness.js'

/** One more judgement after what was sent: the gate has looked at it. */
async function judged (h: ReopenHarness): Promise<void> {
  const before = h.gk.reopen.healthGate.lastVerdict()
  h.clock.advance(1000)
  await waitUntil(() => h.gk.reopen.healthGate.lastVerdict() !== before, 'a judgement')
  await settle()
}

type Tap = Pick<Test, 'teardown' | 'equal'>

/** Everyone admitted: the staged share is 100 %, so every client's answers are judged. */
async function stagedForAll (t: Tap): Promise<ReopenHarness> {
  const h = await startReopenHarness(t, { initialMode: 'closed', healthGate: { serverErrors: { maxShare: 0.05, minSamples: 20 } } })
  t.equal((await h.admin('POST', '/v1/stage', { percent: 100 })).status, 200)
  return h
}

t.test('one admitted client sending many failing requests does not close the site', async (t) => {
  const h = await stagedForAll(t)
  for (let i = 0; i < 60; i++) t.equal((await get(publicUrl(h, '/status/500'), { from: '127.0.0.5' })).status, 500)
  await judged(h)
  const verdict = h.gk.reopen.healthGate.lastVerdict()
  t.equal(verdict?.tripped, false, 'not judged failing')
  t.equal(verdict?.figures.requests, 5, 'the client counts for five requests, however many it sends')
  t.equal(h.state().mode, 'staged')
})

t.test('one failing client among a few healthy ones does not close the site either', async (t) => {
  const h = await stagedForAll(t)
  for (let i = 0; i < 20; i++) t.equal((await get(publicUrl(h, '/echo'), { from: `127.0.1.${10 + i}` })).status, 200)
  for (let i = 0; i < 60; i++) t.equal((await get(publicUrl(h, '/status/500'), { from: '127.0.0.5' })).status, 500)
  await judged(h)
  const verdict = h.gk.reopen.healthGate.lastVerdict()
  t.match(verdict?.figures, { requests: 25, serverErrors: 5, failingClients: 1 }, 'its five failures are a fifth of the sample, from one client')
  t.equal(verdict?.tripped, false, 'failures from a single client are not the application failing')
  t.equal(h.state().mode, 'staged')
})

t.test('many admitted clients failing close the site', async (t) => {
  const h = await stagedForAll(t)
  for (let i = 0; i < 60; i++) await get(publicUrl(h, '/status/500'), { from: '127.0.0.5' })
  for (let i = 0; i < 10; i++) {
    for (let j = 0; j < 3; j++) t.equal((await get(publicUrl(h, '/status/502'), { from: `127.0.2.${10 + i}` })).status, 502)
  }
  h.clock.advance(1000)
  const closed = await h.waitForState((s) => s.mode === 'closed', 'the health gate to close the site')
  t.equal(closed.mode, 'closed')
  t.match(h.gk.reopen.healthGate.lastVerdict(), { tripped: true, figures: { requests: 35, serverErrors: 35, failingClients: 11 } })
})
