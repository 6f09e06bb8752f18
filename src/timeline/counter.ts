import type { Decision, RequestFacts } from '../gate/decide.js'
import { PUBLIC_REASONS } from '../public/admit.js'
import type { UpstreamObserver } from '../public/upstream-observer.js'
import type { Clock } from '../reopen/clock.js'
import { MAX_NAME_LENGTH, emptyMinute, hashText, isEmptyMinute, latencyBucketOf, LATENCY_BOUNDS_MS, MAX_TESTER_NAMES, minuteOf, sketchAdd, sketchToHex, SKETCH_REGISTERS, type MinuteRecord } from './minute.js'

/** What the counter needs of one admission (src/public/admit.ts hands it whole). */
export interface CountedAdmission {
  readonly facts: RequestFacts
  readonly decision: Decision
  readonly audience: 'public' | 'tester'
}

/** Names the testers of a finished minute: by token (its secret, hashed only here) or by address. */
export interface TesterNames {
  token (secret: string): string
  address (ip: string): string
}

export interface MinuteCounterOptions {
  clock: Clock
  names: TesterNames
  /** each finished minute that counted something */
  flush: (record: MinuteRecord) => void
}

/**
 * This instance's counts of the minute in progress. The request path adds a
 * few integers (and, for a turned-away client, one hash into a fixed
 * sketch); a tester is remembered by its address or token until the minute
 * ends, at most MAX_TESTER_NAMES of each, and named only then. A finished
 * minute is handed to `flush` and forgotten: the counter holds one minute.
 */
export function createMinuteCounter (options: MinuteCounterOptions) {
  const { clock, names, flush } = options
  let minute = minuteOf(clock.now())
  let admitted = 0
  let turnedAway = 0
  let testerRequests = 0
  let answers = 0
  let errors5xx = 0
  let failures = 0
  const registers = new Uint8Array(SKETCH_REGISTERS)
  const latency = new Uint32Array(LATENCY_BOUNDS_MS.length + 1)
  const testerTokens = new Set<string>()
  const testerAddresses = new Set<string>()
  let cancelTick: (() => void) | null = null

  function record (): MinuteRecord {
    const out = emptyMinute(minute)
    Object.assign(out, { admitted, turnedAway, testerRequests, answers, errors5xx, failures, clients: sketchToHex(registers), latency: Array.from(latency) })
    const testers = new Set<string>()
    for (const token of testerTokens) testers.add(names.token(token).slice(0, MAX_NAME_LENGTH))
    for (const ip of testerAddresses) testers.add(names.address(ip).slice(0, MAX_NAME_LENGTH))
    out.testers = [...testers].sort().slice(0, MAX_TESTER_NAMES)
    return out
  }

  function reset (next: number): void {
    minute = next
    admitted = turnedAway = testerRequests = answers = errors5xx = failures = 0
    registers.fill(0)
    latency.fill(0)
    testerTokens.clear()
    testerAddresses.clear()
  }

  /** Ends the minute in progress when `now` is past it. */
  function roll (now: number): void {
    const current = minuteOf(now)
    if (current === minute) return
    const done = record()
    reset(current)
    if (!isEmptyMinute(done)) flush(done)
  }

  function tick (): void {
    roll(clock.now())
    cancelTick = clock.after(60_000 - (clock.now() % 60_000) + 10, tick)
  }

  const upstream: UpstreamObserver = {
    response (status, latencyMs, client) {
      if (client === null) return
      roll(clock.now())
      answers++
      if (status >= 500) errors5xx++
      const bucket = latencyBucketOf(latencyMs)
      latency[bucket] = (latency[bucket] as number) + 1
    },
    failure (_timedOut, latencyMs, client) {
      if (client === null) return
      roll(clock.now())
      failures++
      const bucket = latencyBucketOf(latencyMs)
      latency[bucket] = (latency[bucket] as number) + 1
    }
  }

  return {
    /**
     * Counts one decision: the door calls this with every request it
     * decided, and its admission. Decisions replayed from workers come
     * without one: counted by their reason, with no client or tester named.
     */
    decision (decision: Decision, admission?: CountedAdmission): void {
      // by the counter's own clock, as its tick rolls: a minute the door's time had already ended would never flush
      roll(clock.now())
      if (!decision.pass) {
        turnedAway++
        if (admission !== undefined) sketchAdd(registers, hashText(admission.facts.clientIp))
        return
      }
      const audience = admission === undefined ? (PUBLIC_REASONS.has(decision.reason) ? 'public' : 'tester') : admission.audience
      if (audience === 'public') {
        admitted++
        return
      }
      if (decision.reason === 'always-allow') return
      testerRequests++
      if (admission === undefined) return
      const { facts } = admission
      if (decision.reason !== 'allowlist' && facts.bypassToken !== undefined) {
        if (testerTokens.size < MAX_TESTER_NAMES) testerTokens.add(facts.bypassToken)
      } else if (testerAddresses.size < MAX_TESTER_NAMES) {
        testerAddresses.add(facts.clientIp)
      }
    },
    /** the upstream's answers, as the health gate judges them (public requests only) */
    upstream,
    /** Flushes finished minutes by the clock, even when no request comes. */
    start (): void {
      if (cancelTick === null) tick()
    },
    /** The minute in progress, unflushed: what a live view adds to the stored ones. */
    current (): MinuteRecord {
      roll(clock.now())
      return record()
    },
    /** Flushes the minute in progress and stops the clock's tick. */
    stop (): void {
      if (cancelTick !== null) cancelTick()
      cancelTick = null
      const done = record()
      reset(minuteOf(clock.now()))
      if (!isEmptyMinute(done)) flush(done)
    }
  }
}

export type MinuteCounter = ReturnType<typeof createMinuteCounter>
