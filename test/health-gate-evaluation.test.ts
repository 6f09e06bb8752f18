import t from 'tap'
import { figuresOf, judge, quantileMs } from '../src/health/evaluate.js'
import { createHealthRecorder } from '../src/health/recorder.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { LATENCY_BOUNDS_MS, mergeWindows, parseHealthWindow } from '../src/health/window.js'
import type { HealthThresholds } from '../src/state/types.js'
import { createManualClock } from './helpers/manual-clock.js'

const thresholds: HealthThresholds = {
  action: 'abort',
  serverErrors: { maxShare: 0.1, minSamples: 20 },
  connectionErrors: { maxShare: 0.1, minSamples: 20 },
  latencyP99: { maxMs: 1000, minSamples: 50 }
}

t.test('each figure counts only once it rests on its minimum sample', async (t) => {
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 30_000 })
  for (let i = 0; i < 19; i++) recorder.response(500, 10)
  const now = clock.now()
  const few = judge(figuresOf(recorder.window(), now - 30_000, now), thresholds)
  t.equal(few.tripped, false, '19 answers, all 5xx, are too few to judge')
  t.equal(few.figures.serverErrorShare, 1)
  recorder.response(500, 10)
  const enough = judge(figuresOf(recorder.window(), now - 30_000, now), thresholds)
  t.equal(enough.tripped, true)
  t.match(enough.reasons, [/^5xx share 100\.0 % of 20 requests/])
})

t.test('instances are judged together: their counts are summed before shares are taken', async (t) => {
  const clock = createManualClock()
  const a = createHealthRecorder({ clock, windowMs: 30_000 })
  const b = createHealthRecorder({ clock, windowMs: 30_000 })
  for (let i = 0; i < 12; i++) a.response(i < 3 ? 502 : 200, 20)
  clock.advance(1000)
  for (let i = 0; i < 12; i++) b.response(i < 3 ? 503 : 200, 20)
  b.failure(false, 0)
  const now = clock.now()
  for (const alone of [a, b]) t.equal(judge(figuresOf(alone.window(), now - 30_000, now), thresholds).tripped, false, 'neither instance has the sample alone')
  // as a shared store would carry them: JSON out, checked on the way in
  const published = [a.window(), b.window()].map((w) => parseHealthWindow(JSON.parse(JSON.stringify(w))))
  t.notOk(published.includes(null))
  t.equal(parseHealthWindow({ bucketMs: 1000, buckets: [{ start: 0, statuses: [1] }] }), null, 'a malformed report is left out')
  const merged = mergeWindows(published.filter((w) => w !== null))
  t.equal(merged.buckets.length, 2, 'buckets keep their times')
  const together = judge(figuresOf(merged, now - 30_000, now), thresholds)
  t.equal(together.figures.requests, 25)
  t.equal(together.figures.serverErrors, 6)
  t.equal(together.figures.connectionErrors, 1)
  t.equal(together.tripped, true, '6 of 25 is above 10 %, and 25 is enough')
  t.throws(() => mergeWindows([a.window(), { bucketMs: 500, buckets: [] }]), /differ in bucket width/)
})

t.test('the window slides: answers older than it drop out', async (t) => {
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 10_000 })
  for (let i = 0; i < 30; i++) recorder.response(500, 10)
  clock.advance(5000)
  for (let i = 0; i < 30; i++) recorder.response(200, 10)
  t.equal(figuresOf(recorder.window(), clock.now() - 10_000, clock.now()).requests, 60)
  clock.advance(6000)
  const later = figuresOf(recorder.window(), clock.now() - 10_000, clock.now())
  t.equal(later.requests, 30, 'the first second has left the window')
  t.equal(later.serverErrors, 0)
  clock.advance(60_000)
  recorder.response(200, 10)
  t.equal(figuresOf(recorder.window(), clock.now() - 10_000, clock.now()).requests, 1, 'a reused slot starts empty')
  t.equal(recorder.totals().statuses[1], 31, 'the totals for /metrics keep everything')
  t.equal(recorder.totals().statuses[4], 30)
})

t.test('p99 latency comes from the histogram, interpolated within its bucket', async (t) => {
  const latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0)
  t.equal(quantileMs(latency, 0.99), null)
  latency[LATENCY_BOUNDS_MS.indexOf(100)] = 99
  latency[LATENCY_BOUNDS_MS.indexOf(2000)] = 1
  t.equal(quantileMs(latency, 0.99), 100, '99 of 100 answers within 100 ms')
  latency[LATENCY_BOUNDS_MS.indexOf(2000)] = 3
  const p99 = quantileMs(latency, 0.99) as number
  t.ok(p99 > 1500 && p99 <= 2000, `the slow tail shows: ${p99}`)
  const slow = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0)
  slow[LATENCY_BOUNDS_MS.length] = 10
  t.equal(quantileMs(slow, 0.99), LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1], 'beyond the last bound it is at least that')

  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: 30_000 })
  for (let i = 0; i < 60; i++) recorder.response(200, i < 57 ? 40 : 4000)
  const verdict = judge(figuresOf(recorder.window(), clock.now() - 30_000, clock.now()), thresholds)
  t.equal(verdict.tripped, true)
  t.match(verdict.reasons, [/^p99 latency \d+ ms over 60 answers .* is above 1000 ms/])
  t.equal(judge(verdict.figures, DEFAULT_THRESHOLDS).tripped, false, 'the default 5 s p99 is not crossed')
})
