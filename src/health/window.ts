/**
 * Upstream health as counts, so that the figures of several instances add
 * up: each instance exports its window (counts per time bucket and a latency
 * histogram with fixed bounds) and the judge sums them before it divides.
 * Shares and percentiles are never averaged across instances.
 */

/** Upper bounds of the latency histogram, in ms; one more count holds everything above the last. */
export const LATENCY_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000]

/** Status classes 1xx to 5xx, in that order. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const

export interface HealthCounts {
  /** upstream answers by status class, 1xx to 5xx */
  statuses: number[]
  /** requests the upstream never answered: refused, reset, unreachable */
  connectionErrors: number
  /** requests the upstream did not answer in time */
  timeouts: number
  /** answers by latency: one count per LATENCY_BOUNDS_MS bound, then one above the last */
  latency: number[]
  latencySumMs: number
  /**
   * distinct clients with a failure (5xx, connection error, timeout) here: a
   * client counts in the bucket of its latest failure only, so the sum over
   * the buckets of a span is the number of clients that failed in it (0 in totals)
   */
  failingClients: number
}

export interface HealthBucket extends HealthCounts {
  /** epoch ms at which the bucket begins */
  start: number
}

/** What one instance exports, and what merging several gives back. */
export interface HealthWindow {
  bucketMs: number
  buckets: HealthBucket[]
  /**
   * the same answers split by the application node that gave them, for the
   * nodes with answers in the window (failingClients 0): told, never judged
   */
  nodes?: Record<string, HealthBucket[]>
}

/** The most nodes one instance's published window may name; beyond, its per-node figures are left out. */
const MOST_NODES = 64

export function emptyCounts (): HealthCounts {
  return {
    statuses: new Array<number>(STATUS_CLASSES.length).fill(0),
    connectionErrors: 0,
    timeouts: 0,
    latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0),
    latencySumMs: 0,
    failingClients: 0
  }
}

export function addCounts (into: HealthCounts, from: HealthCounts): void {
  for (let i = 0; i < into.statuses.length; i++) into.statuses[i] = (into.statuses[i] as number) + (from.statuses[i] ?? 0)
  for (let i = 0; i < into.latency.length; i++) into.latency[i] = (into.latency[i] as number) + (from.latency[i] ?? 0)
  into.connectionErrors += from.connectionErrors
  into.timeouts += from.timeouts
  into.latencySumMs += from.latencySumMs
  into.failingClients += from.failingClients
}

/** Sums the windows of several instances bucket by bucket; they must share the bucket width. */
export function mergeWindows (windows: readonly HealthWindow[]): HealthWindow {
  const first = windows[0]
  if (first === undefined) return { bucketMs: 1000, buckets: [] }
  const byStart = new Map<number, HealthBucket>()
  const byNode = new Map<string, Map<number, HealthBucket>>()
  for (const window of windows) {
    if (window.bucketMs !== first.bucketMs) {
      throw new Error(`health windows differ in bucket width (${window.bucketMs} ms and ${first.bucketMs} ms): every instance needs the same healthGate settings`)
    }
    sumInto(byStart, window.buckets)
    for (const [name, buckets] of Object.entries(window.nodes ?? {})) {
      let node = byNode.get(name)
      if (node === undefined) {
        node = new Map()
        byNode.set(name, node)
      }
      sumInto(node, buckets)
    }
  }
  const merged: HealthWindow = { bucketMs: first.bucketMs, buckets: sorted(byStart) }
  if (byNode.size > 0) merged.nodes = Object.fromEntries([...byNode].map(([name, node]) => [name, sorted(node)]))
  return merged
}

function sumInto (byStart: Map<number, HealthBucket>, buckets: readonly HealthBucket[]): void {
  for (const bucket of buckets) {
    let sum = byStart.get(bucket.start)
    if (sum === undefined) {
      sum = { start: bucket.start, ...emptyCounts() }
      byStart.set(bucket.start, sum)
    }
    addCounts(sum, bucket)
  }
}

function sorted (byStart: Map<number, HealthBucket>): HealthBucket[] {
  return [...byStart.values()].sort((a, b) => a.start - b.start)
}

export function statusClassIndex (status: number): number {
  const index = Math.floor(status / 100) - 1
  return index < 0 ? 0 : (index > 4 ? 4 : index)
}

export function latencyIndex (ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
    if (ms <= (LATENCY_BOUNDS_MS[i] as number)) return i
  }
  return LATENCY_BOUNDS_MS.length
}

function isCountList (value: unknown, length: number): value is number[] {
  return Array.isArray(value) && value.length === length && value.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
}

/**
 * A window another instance published (as JSON), or null when it is not
 * one: a malformed report is left out of the merge rather than trusted. A
 * bucket without failingClients (an instance of an earlier release) counts
 * none.
 */
export function parseHealthWindow (value: unknown): HealthWindow | null {
  if (typeof value !== 'object' || value === null) return null
  const { bucketMs, buckets, nodes } = value as Record<string, unknown>
  if (typeof bucketMs !== 'number' || bucketMs <= 0) return null
  const parsed = parseBuckets(buckets)
  if (parsed === null) return null
  const window: HealthWindow = { bucketMs, buckets: parsed }
  // a malformed or oversized split by node is left out; the whole still counts
  if (typeof nodes === 'object' && nodes !== null && !Array.isArray(nodes)) {
    const entries = Object.entries(nodes as Record<string, unknown>)
    const byNode: Record<string, HealthBucket[]> = {}
    let whole = entries.length <= MOST_NODES
    for (const [name, list] of entries) {
      const nodeBuckets = whole ? parseBuckets(list) : null
      if (nodeBuckets === null) whole = false
      else byNode[name] = nodeBuckets
    }
    if (whole && entries.length > 0) window.nodes = byNode
  }
  return window
}

function parseBuckets (buckets: unknown): HealthBucket[] | null {
  if (!Array.isArray(buckets)) return null
  const parsed: HealthBucket[] = []
  for (const bucket of buckets as unknown[]) {
    const b = bucket as Record<string, unknown> | null
    if (b === null || typeof b !== 'object' || typeof b.start !== 'number' ||
      !isCountList(b.statuses, STATUS_CLASSES.length) || !isCountList(b.latency, LATENCY_BOUNDS_MS.length + 1) ||
      !isCountList([b.connectionErrors, b.timeouts, b.latencySumMs, b.failingClients ?? 0], 4)) return null
    parsed.push({ ...(b as unknown as HealthBucket), failingClients: (b.failingClients ?? 0) as number })
  }
  return parsed
}
