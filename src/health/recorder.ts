import type { Clock } from '../reopen/clock.js'
import { LATENCY_BOUNDS_MS, STATUS_CLASSES, latencyIndex, statusClassIndex, type HealthBucket, type HealthCounts, type HealthWindow } from './window.js'

/**
 * Who an answer counts for in the window the health gate judges:
 * - a client key (judged-client.ts): an admitted public client, which counts
 *   for at most `perClient` answers in any window;
 * - null: nobody the gate judges (an always-allowed path, a tester): the
 *   answer goes into the totals for /metrics only;
 * - left out: a client of its own, counted without a cap (direct use).
 */
export type HealthClient = string | null | undefined

export interface HealthRecorder {
  /** the upstream answered `status`, `latencyMs` after the gate passed the request on */
  response (status: number, latencyMs: number, client?: HealthClient, node?: string): void
  /** the upstream never answered: refused, reset, or (timedOut) too slow */
  failure (timedOut: boolean, latencyMs: number, client?: HealthClient, node?: string): void
  /** This instance's buckets that overlap the last `windowMs` before `now`. */
  window (now?: number): HealthWindow
  /** Everything recorded since start, judged or not, for /metrics. */
  totals (): HealthCounts
  readonly windowMs: number
}

export interface RecorderOptions {
  clock: Clock
  windowMs: number
  bucketMs?: number
  /** the most answers one client counts for in any window (5) */
  perClient?: number
  /** the most clients followed at once (10 000); answers of clients beyond are not judged */
  maxClients?: number
  /** the most application nodes given figures of their own (64); answers from a node beyond count in the whole only */
  maxNodes?: number
}

// one row of counts per bucket: status classes, connection errors, timeouts, latency histogram, failing clients
const CONNECTION = STATUS_CLASSES.length
const TIMEOUT = CONNECTION + 1
const LATENCY = TIMEOUT + 1
const FAILING_CLIENTS = LATENCY + LATENCY_BOUNDS_MS.length + 1
const WIDTH = FAILING_CLIENTS + 1
const SERVER_ERRORS = STATUS_CLASSES.length - 1

/** What the window holds of one client. */
interface ClientRecord {
  /** when its last `perClient` counted answers came, as a ring: the oldest at `next` */
  times: Float64Array
  next: number
  /** the bucket id of its latest counted failure; -1 for none */
  failedIn: number
}

function countsAt (rows: Float64Array, base: number, sumMs: number): HealthCounts {
  const row = Array.from(rows.subarray(base, base + WIDTH))
  return {
    statuses: row.slice(0, CONNECTION),
    connectionErrors: row[CONNECTION] as number,
    timeouts: row[TIMEOUT] as number,
    latency: row.slice(LATENCY, FAILING_CLIENTS),
    latencySumMs: sumMs,
    failingClients: row[FAILING_CLIENTS] as number
  }
}

/**
 * A sliding window of upstream answers in a ring of fixed-width buckets,
 * plus running totals. Recording is a few array increments and, for a
 * judged client, one map lookup: a client allocates once, when first seen.
 *
 * No client dominates the window: each counts for at most `perClient`
 * answers in any span of the window's length (its answers beyond are left
 * out until its oldest counted one leaves), and each bucket also counts
 * the distinct clients whose latest failure fell in it, so the judge can
 * ask for failures from several clients before it calls the upstream failing.
 */
export function createHealthRecorder (options: RecorderOptions): HealthRecorder {
  const { clock, windowMs } = options
  const bucketMs = options.bucketMs ?? 1000
  const perClient = options.perClient ?? 5
  const maxClients = options.maxClients ?? 10_000
  // a bucket that overlaps the window's start is judged whole: a client's cap covers that much more
  const horizonMs = windowMs + bucketMs
  const slots = Math.ceil(windowMs / bucketMs) + 1
  const rows = new Float64Array(slots * WIDTH)
  const sums = new Float64Array(slots)
  const ids = new Float64Array(slots).fill(-1)
  const totals = new Float64Array(WIDTH)
  let totalSumMs = 0
  const clients = new Map<string, ClientRecord>()
  let sweptAt = -Infinity
  const maxNodes = options.maxNodes ?? 64
  /** per node, the same rows as the whole (failing clients left at 0): the answers the whole counted, split by node */
  const nodes = new Map<string, { rows: Float64Array, sums: Float64Array, ids: Float64Array }>()

  /** Forgets the nodes with nothing left in the window: a node a reload removed leaves with its last answers. */
  function forgetNodes (now: number): void {
    const oldestId = Math.floor((now - horizonMs) / bucketMs)
    for (const [name, node] of nodes) {
      if (!node.ids.some((id) => id >= oldestId)) nodes.delete(name)
    }
  }

  function nodeRows (name: string, now: number): { rows: Float64Array, sums: Float64Array, ids: Float64Array } | null {
    let node = nodes.get(name)
    if (node === undefined) {
      if (nodes.size >= maxNodes) forgetNodes(now)
      if (nodes.size >= maxNodes) return null
      node = { rows: new Float64Array(slots * WIDTH), sums: new Float64Array(slots), ids: new Float64Array(slots).fill(-1) }
      nodes.set(name, node)
    }
    return node
  }

  /** Counts the answer for its node too, in bucket `id`. */
  function addNode (name: string, now: number, id: number, column: number, bucket: number, timed: boolean, latencyMs: number): void {
    const node = nodeRows(name, now)
    if (node === null) return
    const slot = id % slots
    const base = slot * WIDTH
    if (node.ids[slot] !== id) {
      node.rows.fill(0, base, base + WIDTH)
      node.sums[slot] = 0
      node.ids[slot] = id
    }
    node.rows[base + column] = (node.rows[base + column] as number) + 1
    if (timed) {
      node.rows[base + bucket] = (node.rows[base + bucket] as number) + 1
      node.sums[slot] = (node.sums[slot] as number) + latencyMs
    }
  }

  /** The buckets of rows that overlap the last `windowMs` before `now`, oldest first. */
  function bucketsOf (bucketRows: Float64Array, bucketSums: Float64Array, bucketIds: Float64Array, now: number): HealthBucket[] {
    const buckets: HealthBucket[] = []
    const oldest = now - windowMs
    for (let slot = 0; slot < slots; slot++) {
      const id = bucketIds[slot] as number
      if (id < 0) continue
      const start = id * bucketMs
      if (start + bucketMs <= oldest || start > now) continue
      buckets.push({ start, ...countsAt(bucketRows, slot * WIDTH, bucketSums[slot] as number) })
    }
    return buckets.sort((a, b) => a.start - b.start)
  }

  /** The row of bucket `id`, emptied first when it still holds an older bucket. */
  function rowOf (id: number): number {
    const slot = id % slots
    const base = slot * WIDTH
    if (ids[slot] !== id) {
      rows.fill(0, base, base + WIDTH)
      sums[slot] = 0
      ids[slot] = id
    }
    return base
  }

  /** Forgets the clients with nothing left in the window; at most once a bucket, so a crowd cannot make it run per request. */
  function sweep (now: number): void {
    if (now - sweptAt < bucketMs) return
    sweptAt = now
    for (const [key, record] of clients) {
      const newest = record.times[(record.next + perClient - 1) % perClient] as number
      if (newest <= now - horizonMs) clients.delete(key)
    }
  }

  /** The client's record when this answer counts, null when the client has had its share of the window. */
  function admit (client: string, now: number): ClientRecord | null {
    let record = clients.get(client)
    if (record === undefined) {
      if (clients.size >= maxClients) {
        sweep(now)
        if (clients.size >= maxClients) return null
      }
      record = { times: new Float64Array(perClient).fill(-Infinity), next: 0, failedIn: -1 }
      clients.set(client, record)
    }
    const oldest = record.next
    if ((record.times[oldest] as number) > now - horizonMs) return null
    record.times[oldest] = now
    record.next = oldest + 1 === perClient ? 0 : oldest + 1
    return record
  }

  /** The client failed in bucket `id`: it moves there from the bucket of its previous failure. */
  function failingClient (record: ClientRecord | null, id: number, base: number): void {
    if (record !== null) {
      if (record.failedIn === id) return
      const previous = record.failedIn
      const slot = previous % slots
      if (previous >= 0 && ids[slot] === previous) rows[slot * WIDTH + FAILING_CLIENTS] = (rows[slot * WIDTH + FAILING_CLIENTS] as number) - 1
      record.failedIn = id
    }
    rows[base + FAILING_CLIENTS] = (rows[base + FAILING_CLIENTS] as number) + 1
  }

  function add (column: number, latencyMs: number, timed: boolean, client: HealthClient, node: string | undefined): void {
    const bucket = LATENCY + latencyIndex(latencyMs)
    totals[column] = (totals[column] as number) + 1
    if (timed) {
      totals[bucket] = (totals[bucket] as number) + 1
      totalSumMs += latencyMs
    }
    if (client === null) return
    const now = clock.now()
    const record = client === undefined ? null : admit(client, now)
    if (client !== undefined && record === null) return
    const id = Math.floor(now / bucketMs)
    const base = rowOf(id)
    rows[base + column] = (rows[base + column] as number) + 1
    if (timed) {
      rows[base + bucket] = (rows[base + bucket] as number) + 1
      const slot = base / WIDTH
      sums[slot] = (sums[slot] as number) + latencyMs
    }
    if (column >= SERVER_ERRORS) failingClient(record, id, base)
    if (node !== undefined) addNode(node, now, id, column, bucket, timed, latencyMs)
  }

  return {
    windowMs,
    response (status, latencyMs, client, node) {
      add(statusClassIndex(status), latencyMs, true, client, node)
    },
    failure (timedOut, _latencyMs, client, node) {
      // a request that got no answer has no response time to count
      add(timedOut ? TIMEOUT : CONNECTION, 0, false, client, node)
    },
    window (now = clock.now()) {
      const window: HealthWindow = { bucketMs, buckets: bucketsOf(rows, sums, ids, now) }
      if (nodes.size === 0) return window
      const byNode: Record<string, HealthBucket[]> = {}
      for (const [name, node] of nodes) {
        const buckets = bucketsOf(node.rows, node.sums, node.ids, now)
        if (buckets.length > 0) byNode[name] = buckets
      }
      return { ...window, nodes: byNode }
    },
    totals () {
      return countsAt(totals, 0, totalSumMs)
    }
  }
}
