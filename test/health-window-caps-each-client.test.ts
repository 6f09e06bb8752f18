import t from 'tap'
import { createObservationBatch, replayObserved } from '../src/cluster/observations.js'
import type { ObservedMessage } from '../src/cluster/messages.js'
import { figuresOf, judge } from '../src/health/evaluate.js'
import { healthClientKey } from '../src/health/judged-client.js'
import { createHealthRecorder } from '../src/health/recorder.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { createManualClock } from './helpers/manual-clock.js'

t.test('a client counts for at most its share of any window, and counts again as its answers leave it', async (t) => {
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 10_000, perClient: 3 })
  const figures = () => figuresOf(recorder.window(), clock.now() - 10_000, clock.now())
  for (let i = 0; i < 50; i++) recorder.response(500, 10, 'a')
  t.match(figures(), { requests: 3, serverErrors: 3, failingClients: 1 })
  clock.advance(5000)
  for (let i = 0; i < 50; i++) recorder.response(500, 10, 'a')
  t.equal(figures().requests, 3, 'still three, five seconds on')
  clock.advance(6000)
  for (let i = 0; i < 50; i++) recorder.response(500, 10, 'a')
  t.match(figures(), { requests: 3, failingClients: 1 }, 'once its first three have left, three more count; it is still one failing client')
  for (let i = 0; i < 50; i++) recorder.response(500, 10, null)
  t.equal(figures().requests, 3, 'answers judged for nobody stay out of the window')
  t.equal(recorder.totals().statuses[4], 200, 'but /metrics counts every answer')
})

t.test('failing clients are counted once each, in the bucket of their latest failure', async (t) => {
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 30_000 })
  for (const client of ['a', 'b', 'c']) recorder.response(502, 10, client)
  clock.advance(1000)
  recorder.failure(true, 0, 'a')
  recorder.response(200, 10, 'd')
  const now = clock.now()
  t.match(figuresOf(recorder.window(), now - 30_000, now), { requests: 5, failingClients: 3 })
  t.match(figuresOf(recorder.window(), now, now), { requests: 2, failingClients: 1 }, 'the last second: a alone failed in it')
  const verdict = judge(figuresOf(recorder.window(), now - 30_000, now), { ...DEFAULT_THRESHOLDS, serverErrors: { maxShare: 0.1, minSamples: 5 } }, 4)
  t.equal(verdict.tripped, false, 'three failing clients are fewer than the four asked for')
  t.equal(judge(verdict.figures, { ...DEFAULT_THRESHOLDS, serverErrors: { maxShare: 0.1, minSamples: 5 } }, 3).tripped, true)
})

t.test('a crowd of clients is bounded: beyond the most followed, answers are not judged', async (t) => {
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 10_000, maxClients: 100 })
  for (let i = 0; i < 500; i++) recorder.response(500, 10, `c${i}`)
  t.equal(figuresOf(recorder.window(), clock.now() - 10_000, clock.now()).requests, 100)
  clock.advance(12_000)
  for (let i = 0; i < 50; i++) recorder.response(200, 10, `n${i}`)
  t.equal(figuresOf(recorder.window(), clock.now() - 10_000, clock.now()).requests, 50, 'clients gone quiet are forgotten to make room')
})

t.test('an IPv6 client is its /64; an IPv4 client its address', async (t) => {
  t.equal(healthClientKey('2001:db8:1:2::1'), healthClientKey('2001:db8:1:2:ffff::9'))
  t.not(healthClientKey('2001:db8:1:2::1'), healthClientKey('2001:db8:1:3::1'))
  t.equal(healthClientKey('192.0.2.7'), '192.0.2.7')
})

t.test('workers hand the clients over with the answers', async (t) => {
  const sent: ObservedMessage[] = []
  const batch = createObservationBatch((message) => { sent.push(JSON.parse(JSON.stringify({ ...message, responses: [...message.responses], failures: [...message.failures] })) as ObservedMessage) })
  t.teardown(() => { batch.stop() })
  for (let i = 0; i < 20; i++) batch.upstream.response(500, 5, 'one')
  batch.upstream.failure(false, 5, null)
  batch.flush()
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 10_000 })
  for (const message of sent) replayObserved(message, () => {}, recorder)
  t.match(figuresOf(recorder.window(), clock.now() - 10_000, clock.now()), { requests: 5, connectionErrors: 0, failingClients: 1 })
  t.equal(recorder.totals().connectionErrors, 1)
})
