/**
 * One minute of what people experienced, as one instance counted it, or as
 * several instances' counts merged. Small and fixed in size: a sketch of 64
 * one-byte registers for the distinct public clients, at most
 * MAX_TESTER_NAMES tester names, and LATENCY_BOUNDS_MS.length + 1 latency
 * counts.
 */
export interface MinuteRecord {
  /** the minute: whole minutes since the epoch */
  m: number
  /** public requests the gate let through */
  admitted: number
  /** public requests answered with the maintenance response */
  turnedAway: number
  /** the distinct public clients turned away: a HyperLogLog sketch, 64 registers as hex */
  clients: string
  /** requests of testers (allowlisted addresses, bypass tokens) */
  testerRequests: number
  /** the testers seen: token names and allowlist labels, at most MAX_TESTER_NAMES */
  testers: string[]
  /** answers the upstream gave to the requests the health gate judges */
  answers: number
  /** of those, answered 5xx */
  errors5xx: number
  /** judged requests that got no answer (refused, reset, timed out) */
  failures: number
  /** response times: counts per bucket of LATENCY_BOUNDS_MS, the last one above the last bound */
  latency: number[]
}

/** Upper bounds of the latency buckets: a p99 is told at this resolution. */
export const LATENCY_BOUNDS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]
export const MAX_TESTER_NAMES = 32
/** a tester's name is cut to this many characters, so a minute's line stays under about 2.5 KB */
export const MAX_NAME_LENGTH = 64
export const SKETCH_REGISTERS = 64
const EMPTY_SKETCH = '0'.repeat(SKETCH_REGISTERS * 2)

export function emptyMinute (m: number): MinuteRecord {
  return { m, admitted: 0, turnedAway: 0, clients: EMPTY_SKETCH, testerRequests: 0, testers: [], answers: 0, errors5xx: 0, failures: 0, latency: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0) }
}

export function minuteOf (ms: number): number {
  return Math.floor(ms / 60_000)
}

/** Whether anything at all was counted: an empty minute is neither written nor kept. */
export function isEmptyMinute (record: MinuteRecord): boolean {
  return record.admitted === 0 && record.turnedAway === 0 && record.testerRequests === 0 && record.answers === 0 && record.failures === 0
}

/** FNV-1a over the text's code units, mixed: no allocation, whatever the text. */
export function hashText (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Adds one hashed client to a sketch's registers. */
export function sketchAdd (registers: Uint8Array, hash: number): void {
  const index = hash & (SKETCH_REGISTERS - 1)
  const rest = hash >>> 6
  // the position of the first 1 bit in the 26 bits left, from 1
  const rank = rest === 0 ? 27 : Math.clz32(rest) - 5
  if (rank > (registers[index] as number)) registers[index] = rank
}

export function sketchToHex (registers: Uint8Array): string {
  let text = ''
  for (const value of registers) text += value.toString(16).padStart(2, '0')
  return text
}

export function sketchFromHex (text: string, into: Uint8Array = new Uint8Array(SKETCH_REGISTERS)): Uint8Array {
  for (let i = 0; i < SKETCH_REGISTERS; i++) {
    const value = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16)
    if (Number.isFinite(value) && value > (into[i] as number)) into[i] = value
  }
  return into
}

/** The sketch's count of distinct clients (about ±13 %; exact enough for a handful). */
export function sketchEstimate (registers: Uint8Array): number {
  let sum = 0
  let zeros = 0
  for (const value of registers) {
    sum += 2 ** -value
    if (value === 0) zeros++
  }
  const m = SKETCH_REGISTERS
  const raw = (0.709 * m * m) / sum
  if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros))
  return Math.round(raw)
}

/** The distinct public clients of merged minutes: one sketch of them all, not a sum. */
export function distinctClients (records: readonly MinuteRecord[]): number {
  const registers = new Uint8Array(SKETCH_REGISTERS)
  for (const record of records) sketchFromHex(record.clients, registers)
  return sketchEstimate(registers)
}

/** Several instances' counts of one minute, or several minutes, as one. */
export function mergeMinutes (m: number, records: readonly MinuteRecord[]): MinuteRecord {
  const merged = emptyMinute(m)
  const registers = new Uint8Array(SKETCH_REGISTERS)
  const testers = new Set<string>()
  for (const record of records) {
    merged.admitted += record.admitted
    merged.turnedAway += record.turnedAway
    merged.testerRequests += record.testerRequests
    merged.answers += record.answers
    merged.errors5xx += record.errors5xx
    merged.failures += record.failures
    for (let i = 0; i < merged.latency.length; i++) merged.latency[i] = (merged.latency[i] as number) + (record.latency[i] ?? 0)
    sketchFromHex(record.clients, registers)
    for (const name of record.testers) if (testers.size < MAX_TESTER_NAMES) testers.add(name)
  }
  merged.clients = sketchToHex(registers)
  merged.testers = [...testers].sort()
  return merged
}

/** The 99th percentile of the judged requests, as the upper bound of its bucket; null with no answer. */
export function p99Of (latency: readonly number[]): number | null {
  const total = latency.reduce((a, b) => a + b, 0)
  if (total === 0) return null
  const rank = Math.ceil(total * 0.99)
  let seen = 0
  for (let i = 0; i < latency.length; i++) {
    seen += latency[i] as number
    if (seen >= rank) return LATENCY_BOUNDS_MS[i] ?? Infinity
  }
  return null
}

export function latencyBucketOf (ms: number): number {
  let i = 0
  while (i < LATENCY_BOUNDS_MS.length && ms > (LATENCY_BOUNDS_MS[i] as number)) i++
  return i
}

/** A record read back from a file or Redis, or null when it is not one. */
export function parseMinute (value: unknown): MinuteRecord | null {
  if (typeof value !== 'object' || value === null) return null
  const r = value as Partial<MinuteRecord>
  const counts = [r.m, r.admitted, r.turnedAway, r.testerRequests, r.answers, r.errors5xx, r.failures]
  if (!counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) return null
  if (typeof r.clients !== 'string' || !Array.isArray(r.testers) || !Array.isArray(r.latency)) return null
  return {
    m: r.m as number,
    admitted: r.admitted as number,
    turnedAway: r.turnedAway as number,
    clients: r.clients.slice(0, SKETCH_REGISTERS * 2),
    testerRequests: r.testerRequests as number,
    testers: r.testers.filter((t): t is string => typeof t === 'string').slice(0, MAX_TESTER_NAMES),
    answers: r.answers as number,
    errors5xx: r.errors5xx as number,
    failures: r.failures as number,
    latency: r.latency.slice(0, LATENCY_BOUNDS_MS.length + 1).map((n) => typeof n === 'number' && Number.isFinite(n) ? n : 0)
  }
}
