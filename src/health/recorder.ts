import type { Clock } from '../reopen/clock.js'
import { LATENCY_BOUNDS_MS, STATUS_CLASSES, latencyIndex, statusClassIndex, type HealthBucket, type HealthCounts, type HealthWindow } from './window.js'

export interface HealthRecorder {
  /** the upstream answered `status`, `latencyMs` after the gate passed the request on */
  response (status: number, latencyMs: number): void
  /** the upstream never answered: refused, reset, or (timedOut) too slow */
  failure (timedOut: boolean, latencyMs: number): void
  /** This instance's buckets that overlap the last `windowMs` before `now`. */
  window (now?: number): HealthWindow
  /** Everything recorded since start, for /metrics. */
  totals (): HealthCounts
  readonly windowMs: number
}

export interface RecorderOptions {
  clock: Clock
  windowMs: number
  bucketMs?: number
}

// one row of counts per bucket: status classes, connection errors, timeouts, latency histogram
const CONNECTION = STATUS_CLASSES.length
const TIMEOUT = CONNECTION + 1
const LATENCY = TIMEOUT + 1
const WIDTH = LATENCY + LATENCY_BOUNDS_MS.length + 1

function countsAt (rows: Float64Array, base: number, sumMs: number): HealthCounts {
  const row = Array.from(rows.subarray(base, base + WIDTH))
  return {
    statuses: row.slice(0, CONNECTION),
    connectionErrors: row[CONNECTION] as number,
    timeouts: row[TIMEOUT] as number,
    latency: row.slice(LATENCY),
    latencySumMs: sumMs
  }
}

/**
 * A sliding window of upstream answers in a ring of fixed-width buckets,
 * plus running totals. Recording is a few array increments: no allocation,
 * whatever the traffic.
 */
export function createHealthRecorder (options: RecorderOptions): HealthRecorder {
  const { clock, windowMs } = options
  const bucketMs = options.bucketMs ?? 1000
  const slots = Math.ceil(windowMs / bucketMs) + 1
  const rows = new Float64Array(slots * WIDTH)
  const sums = new Float64Array(slots)
  const ids = new Float64Array(slots).fill(-1)
  const totals = new Float64Array(WIDTH)
  let totalSumMs = 0

  /** The row of the bucket `now` falls in, emptied first when it still holds an older bucket. */
  function rowOf (now: number): number {
    const id = Math.floor(now / bucketMs)
    const slot = id % slots
    const base = slot * WIDTH
    if (ids[slot] !== id) {
      rows.fill(0, base, base + WIDTH)
      sums[slot] = 0
      ids[slot] = id
    }
    return base
  }

  function add (column: number, latencyMs: number, timed: boolean): void {
    const base = rowOf(clock.now())
    rows[base + column] = (rows[base + column] as number) + 1
    totals[column] = (totals[column] as number) + 1
    if (timed) {
      const bucket = LATENCY + latencyIndex(latencyMs)
      rows[base + bucket] = (rows[base + bucket] as number) + 1
      totals[bucket] = (totals[bucket] as number) + 1
      const slot = base / WIDTH
      sums[slot] = (sums[slot] as number) + latencyMs
      totalSumMs += latencyMs
    }
  }

  return {
    windowMs,
    response (status, latencyMs) {
      add(statusClassIndex(status), latencyMs, true)
    },
    failure (timedOut, _latencyMs) {
      // a request that got no answer has no response time to count
      add(timedOut ? TIMEOUT : CONNECTION, 0, false)
    },
    window (now = clock.now()) {
      const buckets: HealthBucket[] = []
      const oldest = now - windowMs
      for (let slot = 0; slot < slots; slot++) {
        const id = ids[slot] as number
        if (id < 0) continue
        const start = id * bucketMs
        if (start + bucketMs <= oldest || start > now) continue
        buckets.push({ start, ...countsAt(rows, slot * WIDTH, sums[slot] as number) })
      }
      buckets.sort((a, b) => a.start - b.start)
      return { bucketMs, buckets }
    },
    totals () {
      return countsAt(totals, 0, totalSumMs)
    }
  }
}
