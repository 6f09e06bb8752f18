// 10 000 waiting readers of the maintenance page, on a virtual clock: how
// many status polls per second the gatekeeper gets while the site is closed,
// and how the readers come back when it reopens (at once, or by a ramp).
//
//   node bench/waiting-clients.mjs [--clients 10000] [--seed 1]
//
// Each reader runs the page's own script, taken from
// maintenance-pages/default.html, with its timers, fetch, Date and
// Math.random bound to the simulation: the schedule measured is the page's,
// not a copy of it. The one liberty: the countdown's once-a-second redraw is
// not run (it sends nothing), so an hour of 10 000 pages stays cheap.
// Requests take no time on the virtual clock, which is the worst case for
// crowding: nothing spreads the readers but the page's own jitter.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')

function option (name, fallback, max) {
  const at = process.argv.indexOf(`--${name}`)
  const value = at === -1 ? fallback : Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${process.argv[at + 1]}`)
  return value
}
const CLIENTS = option('clients', 10000, 100000)
const SEED = option('seed', 1, 2 ** 31)

const html = readFileSync(join(root, 'maintenance-pages', 'default.html'), 'utf8')
const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)]
if (scripts.length !== 1) throw new Error(`expected one inline script in default.html, found ${scripts.length}`)
// eslint-disable-next-line no-new-func
const pageScript = new Function('document', 'sessionStorage', 'location', 'fetch', 'AbortController', 'setTimeout', 'clearTimeout', 'Date', 'Math', 'Intl', scripts[0][1])

/** A small, seeded generator: the same seed gives the same run. */
function mulberry32 (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The virtual clock's timers, earliest first (a binary heap). */
function createTimers () {
  const heap = []
  let seq = 0
  const cancelled = new Set()
  const less = (a, b) => a.at < b.at || (a.at === b.at && a.id < b.id)
  function push (timer) {
    heap.push(timer)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!less(heap[i], heap[parent])) break
      ;[heap[i], heap[parent]] = [heap[parent], heap[i]]
      i = parent
    }
  }
  function pop () {
    const top = heap[0]
    const last = heap.pop()
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && less(heap[l], heap[m])) m = l
        if (r < heap.length && less(heap[r], heap[m])) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m], heap[i]]
        i = m
      }
    }
    return top
  }
  return {
    add (at, fn) {
      const id = ++seq
      push({ at, id, fn })
      return id
    },
    cancel (id) { cancelled.add(id) },
    next () {
      this.peekAt()
      return heap.length > 0 ? pop() : undefined
    },
    peekAt () {
      while (heap.length > 0 && cancelled.delete(heap[0].id)) pop()
      return heap.length > 0 ? heap[0].at : Infinity
    }
  }
}

/** What a maintenance window looks like from outside: the gate over time. */
function scenarioGate (steps) {
  return (t) => {
    let current = steps[0]
    for (const step of steps) if (step.at <= t) current = step
    return current
  }
}

const MIN = 60_000
const ETA = 45 * MIN
const REASON = 'Upgrading to the new release.'

const SCENARIOS = {
  'reopen at once': scenarioGate([
    { at: 0, mode: 'closed', percent: 0 },
    { at: 40 * MIN, mode: 'open', percent: 100 }
  ]),
  'ramp 5 % → 25 % → 100 %': scenarioGate([
    { at: 0, mode: 'closed', percent: 0 },
    { at: 40 * MIN, mode: 'staged', percent: 5 },
    { at: 45 * MIN, mode: 'staged', percent: 25 },
    { at: 50 * MIN, mode: 'open', percent: 100 }
  ])
}
const REOPEN_AT = 40 * MIN
const END = 60 * MIN

function statusAt (gate, t, bucket) {
  const { mode, percent } = gate(t)
  const admitted = mode === 'open' || (mode === 'staged' && bucket < percent * 100)
  const retryAfter = Math.max(1, Math.ceil((ETA - t) / 1000))
  return mode === 'open'
    ? { mode, admitted, reason: '', retryAfter: 0, eta: null }
    : { mode, admitted, reason: REASON, retryAfter, eta: new Date(ETA).toISOString() }
}

function fakeElement () {
  return { textContent: '', hidden: false, dateTime: '', removeAttribute () {}, setAttribute () {} }
}

const noIntl = { DateTimeFormat: class { format () { return '' } } }

/**
 * Runs the scenario: the readers land in the minute the site closes (the
 * moment a crowd is turned away together), and each runs the page's script.
 */
async function simulate (name, gate) {
  const random = mulberry32(SEED)
  const timers = createTimers()
  let now = 0
  const seconds = Math.ceil(END / 1000)
  const polls = new Uint32Array(seconds)
  const reloads = new Uint32Array(seconds)
  const reloadedAt = []
  const VirtualDate = { now: () => now, parse: Date.parse }
  const virtualMath = Object.create(Math, { random: { value: random } })

  function startReader () {
    const bucket = Math.floor(random() * 10000)
    const ids = new Map(['gk-reason', 'gk-eta', 'gk-countdown', 'gk-checked', 'gk-news'].map((id) => [id, fakeElement()]))
    const first = statusAt(gate, now, bucket)
    ids.set('gk-data', { textContent: JSON.stringify({ reason: first.reason, eta: first.eta ?? '', retryAfter: first.retryAfter, statusPath: '/__gatekeeper/status', refreshSeconds: 120 }) })
    const document = { hidden: false, getElementById: (id) => ids.get(id), addEventListener () {} }
    let gone = false
    const storage = new Map()
    const sessionStorage = { getItem: (key) => storage.get(key) ?? null, setItem: (key, value) => storage.set(key, value) }
    const location = {
      reload () {
        gone = true
        reloads[Math.floor(now / 1000)]++
        reloadedAt.push(now)
      }
    }
    const fetch = async () => {
      polls[Math.floor(now / 1000)]++
      const answer = statusAt(gate, now, bucket)
      return { ok: true, status: 200, headers: { get: () => null }, json: async () => answer }
    }
    const setTimeout = (fn, ms) => (gone || fn.name === 'tick') ? 0 : timers.add(now + Math.max(0, ms), fn)
    const clearTimeout = (id) => { if (id) timers.cancel(id) }
    pageScript(document, sessionStorage, location, fetch, AbortController, setTimeout, clearTimeout, VirtualDate, virtualMath, noIntl)
  }

  for (let i = 0; i < CLIENTS; i++) timers.add(Math.floor(random() * MIN), startReader)

  while (timers.peekAt() < END) {
    const at = timers.peekAt()
    now = at
    // every timer due in this millisecond, then the promises they started
    while (timers.peekAt() === at) timers.next().fn()
    await new Promise((resolve) => setImmediate(resolve))
  }

  return summarise(name, polls, reloads, reloadedAt)
}

function percentile (sorted, q) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

function summarise (name, polls, reloads, reloadedAt) {
  const window = (from, to) => Array.from(polls.subarray(from / 1000, to / 1000))
  const steady = window(10 * MIN, REOPEN_AT)
  const reopening = Array.from(polls.subarray(REOPEN_AT / 1000)).map((n, i) => n + reloads[REOPEN_AT / 1000 + i])
  const sortedBack = reloadedAt.slice().sort((a, b) => a - b).map((t) => (t - REOPEN_AT) / 1000)
  const mean = (values) => values.reduce((sum, n) => sum + n, 0) / values.length
  return {
    scenario: name,
    steadyPollsPerSecond: { mean: Math.round(mean(steady)), max: Math.max(...steady) },
    meanPollIntervalSeconds: Math.round(CLIENTS / mean(steady) * 10) / 10,
    reopening: {
      maxRequestsPerSecond: Math.max(...reopening),
      maxReloadsPerSecond: Math.max(...reloads.subarray(REOPEN_AT / 1000)),
      backAfterSeconds: { p50: percentile(sortedBack, 0.5), p99: percentile(sortedBack, 0.99), last: sortedBack[sortedBack.length - 1] },
      readersBack: reloadedAt.length
    },
    perTenSeconds: Array.from({ length: (END - 30 * MIN) / 10000 }, (_, i) => {
      const from = 30 * 60 + i * 10
      let p = 0
      let r = 0
      for (let s = from; s < from + 10; s++) { p += polls[s]; r += reloads[s] }
      return { at: `${Math.floor(from / 60)}:${String(from % 60).padStart(2, '0')}`, polls: p, reloads: r }
    })
  }
}

/** For contrast: a page that polls every 5 s on the dot, no backoff, no jitter. */
function naiveFixedInterval () {
  const random = mulberry32(SEED)
  const reloads = new Uint32Array(Math.ceil(END / 1000))
  const polls = new Uint32Array(Math.ceil(END / 1000))
  for (let i = 0; i < CLIENTS; i++) {
    const landed = Math.floor(random() * MIN)
    for (let t = landed + 5000; t < END; t += 5000) {
      polls[Math.floor(t / 1000)]++
      if (t >= REOPEN_AT) { reloads[Math.floor(t / 1000)]++; break }
    }
  }
  const steady = Array.from(polls.subarray(10 * 60, REOPEN_AT / 1000))
  return {
    scenario: 'for contrast: every 5 s, no backoff, no jitter',
    steadyPollsPerSecond: { mean: Math.round(steady.reduce((s, n) => s + n, 0) / steady.length), max: Math.max(...steady) },
    reopening: { maxReloadsPerSecond: Math.max(...reloads) }
  }
}

const results = []
for (const [name, gate] of Object.entries(SCENARIOS)) results.push(await simulate(name, gate))
const naive = naiveFixedInterval()

mkdirSync(join(root, 'bench', 'out'), { recursive: true })
writeFileSync(join(root, 'bench', 'out', 'waiting-clients.json'), JSON.stringify({ clients: CLIENTS, seed: SEED, results, naive }, null, 2) + '\n')

console.log(`${CLIENTS} readers land in the minute the site closes (ETA 45 min later); the site reopens at 40 min. Seed ${SEED}.`)
for (const r of results) {
  console.log(`\n${r.scenario}`)
  console.log(`  closed, from 10 min on: ${r.steadyPollsPerSecond.mean} polls/s on average, ${r.steadyPollsPerSecond.max} in the busiest second (one poll per reader every ${r.meanPollIntervalSeconds} s)`)
  console.log(`  reopening: at most ${r.reopening.maxRequestsPerSecond} requests/s (polls + reloads), ${r.reopening.maxReloadsPerSecond} reloads/s; half the readers back after ${r.reopening.backAfterSeconds.p50.toFixed(1)} s, 99 % after ${r.reopening.backAfterSeconds.p99.toFixed(1)} s, the last after ${r.reopening.backAfterSeconds.last.toFixed(1)} s (${r.reopening.readersBack} back)`)
  const shown = r.perTenSeconds.filter((b) => b.at >= '39:' && (b.polls > 0 || b.reloads > 0))
  console.log('  polls+reloads per 10 s from 39:00 (mm:ss):', shown.map((b) => `${b.at} ${b.polls}+${b.reloads}`).join(' | '))
}
console.log(`\n${naive.scenario}: ${naive.steadyPollsPerSecond.mean} polls/s while closed, ${naive.reopening.maxReloadsPerSecond} reloads in the busiest second of the reopening`)
