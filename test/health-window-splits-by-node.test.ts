import t from 'tap'
import { createObservationBatch, replayObserved } from '../src/cluster/observations.js'
import type { ObservedMessage } from '../src/cluster/messages.js'
import { figuresOf } from '../src/health/evaluate.js'
import { createHealthRecorder } from '../src/health/recorder.js'
import { mergeWindows, parseHealthWindow } from '../src/health/window.js'
import { createManualClock } from './helpers/manual-clock.js'

const WINDOW = 10_000

t.test('workers hand the node of each answer over; instances merge their split by node', async (t) => {
  const sent: ObservedMessage[] = []
  const batch = createObservationBatch((message) => { sent.push(JSON.parse(JSON.stringify({ ...message, responses: [...message.responses], failures: [...message.failures] })) as ObservedMessage) })
  t.teardown(() => { batch.stop() })
  for (let i = 0; i < 4; i++) batch.upstream.response(500, 5, `a${i}`, 'stubing')
  for (let i = 0; i < 4; i++) batch.upstream.response(200, 5, `b${i}`, 'walton')
  batch.upstream.failure(false, 5, 'c', 'walton')
  batch.flush()
  const clock = createManualClock()
  const worker = createHealthRecorder({ clock, windowMs: WINDOW })
  for (const message of sent) replayObserved(message, () => {}, worker)
  const local = figuresOf(worker.window(), clock.now() - WINDOW, clock.now())
  t.match(local, { requests: 9, serverErrors: 4, connectionErrors: 1 })
  t.same(local.nodes, {
    stubing: { requests: 4, serverErrors: 4, connectionErrors: 0, p99Ms: local.nodes?.stubing?.p99Ms ?? null },
    walton: { requests: 5, serverErrors: 0, connectionErrors: 1, p99Ms: local.nodes?.walton?.p99Ms ?? null }
  })

  // another instance's window, as its heartbeat publishes it
  const other = createHealthRecorder({ clock, windowMs: WINDOW })
  for (let i = 0; i < 3; i++) other.response(502, 5, `d${i}`, 'stubing')
  const published = parseHealthWindow(JSON.parse(JSON.stringify(other.window())))
  t.ok(published?.nodes?.stubing, 'the split travels with the window')
  const merged = figuresOf(mergeWindows([worker.window(), published ?? { bucketMs: 1000, buckets: [] }]), clock.now() - WINDOW, clock.now())
  t.match(merged.nodes, { stubing: { requests: 7, serverErrors: 7 }, walton: { requests: 5 } })
})

t.test('one node alone has no split; a node gone from the window is forgotten; the nodes followed are bounded', async (t) => {
  const clock = createManualClock()
  const recorder = createHealthRecorder({ clock, windowMs: WINDOW, maxNodes: 2 })
  const figures = () => figuresOf(recorder.window(), clock.now() - WINDOW, clock.now())
  recorder.response(200, 5, 'a', 'default')
  t.equal(figures().nodes, undefined, 'the whole is the node')
  recorder.response(200, 5, 'b', 'walton')
  recorder.response(200, 5, 'c', 'third')
  t.same(Object.keys(figures().nodes ?? {}), ['default', 'walton'], 'beyond the bound, a node counts in the whole only')
  t.equal(figures().requests, 3)
  clock.advance(WINDOW + 2000)
  recorder.response(500, 5, 'd', 'third')
  recorder.response(200, 5, 'e', 'fourth')
  t.same(Object.keys(recorder.window().nodes ?? {}), ['third', 'fourth'], 'the nodes with nothing left in the window made room')
})

t.test('a malformed split from another instance is left out, the whole still counts', async (t) => {
  const parsed = parseHealthWindow({ bucketMs: 1000, buckets: [], nodes: { walton: 'many' } })
  t.same(parsed, { bucketMs: 1000, buckets: [] })
  const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`n${i}`, []]))
  t.equal(parseHealthWindow({ bucketMs: 1000, buckets: [], nodes: many })?.nodes, undefined, 'more than 64 nodes are not trusted')
})
