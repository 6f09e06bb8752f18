import type { HealthThresholds } from '../state/types.js'
import { LATENCY_BOUNDS_MS, addCounts, emptyCounts, type HealthBucket, type HealthCounts, type HealthWindow } from './window.js'

export interface HealthFigures {
  /** requests passed to the upstream: answered or not */
  requests: number
  /** of those, answered (any status) */
  answers: number
  serverErrors: number
  /** refused, reset and timed out: no answer at all */
  connectionErrors: number
  /** distinct clients with a 5xx, a connection error or a timeout among those */
  failingClients: number
  serverErrorShare: number
  connectionErrorShare: number
  /** null without answers */
  p99Ms: number | null
  /** the span judged, epoch ms */
  from: number
  to: number
  /** the same span per application node, when the answers came from more than one: told beside the whole, never judged */
  nodes?: Record<string, NodeFigures>
}

/** One node's share of the figures. */
export interface NodeFigures {
  requests: number
  serverErrors: number
  connectionErrors: number
  p99Ms: number | null
}

export interface HealthVerdict {
  tripped: boolean
  /** why, one sentence per threshold crossed */
  reasons: string[]
  figures: HealthFigures
}

/** The q-quantile of a latency histogram, interpolated within its bucket; null when empty. */
export function quantileMs (latency: readonly number[], q: number): number | null {
  let total = 0
  for (const count of latency) total += count
  if (total === 0) return null
  const rank = q * total
  let below = 0
  for (let i = 0; i < latency.length; i++) {
    const count = latency[i] as number
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1] as number
      // above the last bound nothing is known but that it is at least that
      if (i >= LATENCY_BOUNDS_MS.length) return lower
      const upper = LATENCY_BOUNDS_MS[i] as number
      return lower + (upper - lower) * Math.max(0, rank - below) / count
    }
    below += count
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] as number
}

/** The figures of the buckets that overlap [from, to]. */
export function figuresOf (window: HealthWindow, from: number, to: number): HealthFigures {
  const sum = countsOver(window.buckets, window.bucketMs, from, to)
  let answers = 0
  for (const count of sum.statuses) answers += count
  const serverErrors = sum.statuses[4] ?? 0
  const connectionErrors = sum.connectionErrors + sum.timeouts
  const requests = answers + connectionErrors
  const figures: HealthFigures = {
    requests,
    answers,
    serverErrors,
    connectionErrors,
    failingClients: sum.failingClients,
    serverErrorShare: requests === 0 ? 0 : serverErrors / requests,
    connectionErrorShare: requests === 0 ? 0 : connectionErrors / requests,
    p99Ms: quantileMs(sum.latency, 0.99),
    from,
    to
  }
  const nodes = nodeFiguresOf(window, from, to)
  if (nodes !== undefined) figures.nodes = nodes
  return figures
}

function countsOver (buckets: readonly HealthBucket[], bucketMs: number, from: number, to: number): HealthCounts {
  const sum: HealthCounts = emptyCounts()
  for (const bucket of buckets) {
    if (bucket.start + bucketMs <= from || bucket.start > to) continue
    addCounts(sum, bucket)
  }
  return sum
}

/** Each node's figures over [from, to], in name order; undefined unless more than one node has figures. */
function nodeFiguresOf (window: HealthWindow, from: number, to: number): Record<string, NodeFigures> | undefined {
  const found: Array<[string, NodeFigures]> = []
  for (const [name, buckets] of Object.entries(window.nodes ?? {})) {
    const sum = countsOver(buckets, window.bucketMs, from, to)
    let answers = 0
    for (const count of sum.statuses) answers += count
    const connectionErrors = sum.connectionErrors + sum.timeouts
    if (answers + connectionErrors === 0) continue
    found.push([name, { requests: answers + connectionErrors, serverErrors: sum.statuses[4] ?? 0, connectionErrors, p99Ms: quantileMs(sum.latency, 0.99) }])
  }
  if (found.length < 2) return undefined
  found.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Object.fromEntries(found)
}

function percentText (share: number): string {
  return `${(share * 100).toFixed(1)} %`
}

/**
 * Each threshold counts only once its figure rests on its minimum sample;
 * the error shares, only once the failures come from at least
 * `minFailingClients` clients: one client's failures are that client's
 * doing (or its bad luck), not the application failing.
 */
export function judge (figures: HealthFigures, thresholds: HealthThresholds, minFailingClients = 1): HealthVerdict {
  const reasons: string[] = []
  const seconds = Math.max(1, Math.round((figures.to - figures.from) / 1000))
  const { serverErrors, connectionErrors, latencyP99 } = thresholds
  const widespread = figures.failingClients >= minFailingClients
  const clients = `${figures.failingClients} ${figures.failingClients === 1 ? 'client' : 'clients'} failing`
  if (widespread && figures.requests >= serverErrors.minSamples && figures.serverErrorShare > serverErrors.maxShare) {
    reasons.push(`5xx share ${percentText(figures.serverErrorShare)} of ${figures.requests} requests (${clients}) in the last ${seconds} s is above ${percentText(serverErrors.maxShare)}`)
  }
  if (widespread && figures.requests >= connectionErrors.minSamples && figures.connectionErrorShare > connectionErrors.maxShare) {
    reasons.push(`connection errors and timeouts ${percentText(figures.connectionErrorShare)} of ${figures.requests} requests (${clients}) in the last ${seconds} s is above ${percentText(connectionErrors.maxShare)}`)
  }
  if (figures.p99Ms !== null && figures.answers >= latencyP99.minSamples && figures.p99Ms > latencyP99.maxMs) {
    reasons.push(`p99 latency ${Math.round(figures.p99Ms)} ms over ${figures.answers} answers in the last ${seconds} s is above ${latencyP99.maxMs} ms`)
  }
  return { tripped: reasons.length > 0, reasons, figures }
}
