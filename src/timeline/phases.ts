import type { AuditEntry } from '../state/types.js'
import { eventOf, servedAfter, withOutageStarts, type Served, type TimelineEvent } from './events.js'
import { distinctClients, mergeMinutes, p99Of, type MinuteRecord } from './minute.js'

/** What people experienced over a stretch of minutes. */
export interface Experience {
  publicLetThrough: number
  publicTurnedAway: number
  /** distinct public clients that got the maintenance page (estimated beyond a handful) */
  publicClients: number
  testerRequests: number
  /** token names and allowlist labels */
  testers: string[]
  upstreamAnswers: number
  upstream5xx: number
  /** share (0..1) of the judged requests answered 5xx or not at all; null without any */
  upstream5xxShare: number | null
  /** at the counters' bucket resolution; null without answers */
  upstreamP99Ms: number | null
}

/** A stretch of the window in one served state, begun by one or more events (their first is its cause). */
export interface Phase {
  start: string
  end: string
  durationMs: number
  mode: string
  percent: number
  eta: string | null
  events: TimelineEvent[]
  experience: Experience
}

export interface TimelineTotals {
  closedMs: number
  /** staged below 100 % or read-only */
  degradedMs: number
  /** the longest run of consecutive minutes in which someone got the maintenance page */
  longestWaitMs: number
  /** the ETA set when the window closed */
  plannedEta: string | null
  /** the last ETA in force before the reopening */
  finalEta: string | null
  /** when the site was fully open again, if it was within the range */
  reopenedAt: string | null
  /** reopenedAt − plannedEta: positive when late */
  lateByMs: number | null
  experience: Experience
}

/** One minute of the range, for a chart: every instance's counts, merged. */
export interface MinuteView {
  at: string
  admitted: number
  turnedAway: number
  testerRequests: number
  answers: number
  errors5xx: number
  failures: number
  p99Ms: number | null
}

export interface Timeline {
  from: string
  to: string
  phases: Phase[]
  totals: TimelineTotals
  /** the minutes that counted something, oldest first */
  minutes: MinuteView[]
}

function minuteView (r: MinuteRecord): MinuteView {
  return { at: new Date(r.m * MINUTE).toISOString(), admitted: r.admitted, turnedAway: r.turnedAway, testerRequests: r.testerRequests, answers: r.answers, errors5xx: r.errors5xx, failures: r.failures, p99Ms: p99Of(r.latency) }
}

const MINUTE = 60_000
/** The health gate's note and what it then did (abort, close, pause) are one step of the story when this close together. */
const SAME_STEP_MS = 5000
const HEALTH_ACTIONS = new Set(['ramp.abort', 'health.close', 'ramp.pause'])

/** Each instance that saw a store outage tells it: the same news within a minute is one event. */
const SAME_OUTAGE_MS = 60_000

function joinsPrevious (previous: TimelineEvent | undefined, event: TimelineEvent): boolean {
  if (previous === undefined) return false
  const gap = Date.parse(event.at) - Date.parse(previous.at)
  if (previous.action === 'health.tripped' && HEALTH_ACTIONS.has(event.action)) return gap <= SAME_STEP_MS
  return event.action.startsWith('store.') && previous.action === event.action && gap <= SAME_OUTAGE_MS
}

export function experienceOf (records: readonly MinuteRecord[]): Experience {
  const merged = mergeMinutes(0, records)
  const judged = merged.answers + merged.failures
  return {
    publicLetThrough: merged.admitted,
    publicTurnedAway: merged.turnedAway,
    publicClients: merged.turnedAway === 0 ? 0 : Math.max(1, distinctClients(records)),
    testerRequests: merged.testerRequests,
    testers: merged.testers,
    upstreamAnswers: merged.answers,
    upstream5xx: merged.errors5xx,
    upstream5xxShare: judged === 0 ? null : (merged.errors5xx + merged.failures) / judged,
    upstreamP99Ms: p99Of(merged.latency)
  }
}

/** The served state just before `from`, replayed from the entries before it (oldest first). */
function servedAt (entries: readonly AuditEntry[], from: number): Served {
  let served: Served = { mode: 'open', percent: 100, eta: null }
  for (const entry of entries) {
    if (Date.parse(entry.at) >= from) break
    served = servedAfter(served, entry)
  }
  return served
}

/** A minute counts for the phase in force at its middle: a phase shorter than a minute may show none of its own. */
function minutesIn (records: readonly MinuteRecord[], start: number, end: number): MinuteRecord[] {
  return records.filter((r) => {
    const middle = r.m * MINUTE + MINUTE / 2
    return middle >= start && middle < end
  })
}

function longestWait (records: readonly MinuteRecord[]): number {
  let longest = 0
  let run = 0
  let last = Number.NaN
  for (const r of records) {
    if (r.turnedAway === 0) {
      run = 0
      continue
    }
    run = r.m === last + 1 ? run + 1 : 1
    last = r.m
    longest = Math.max(longest, run)
  }
  return longest * MINUTE
}

/**
 * The night as phases: the audit entries of [from, to] (any order), each a
 * line of the story (the health gate's trip and the abort it caused, one);
 * each phase lasts until the next one, the last until `to`. Counts come from
 * the minutes (every instance's, merged). Pure: the same input, the same
 * story.
 */
export function buildTimeline (entries: readonly AuditEntry[], minutes: readonly MinuteRecord[], from: number, to: number): Timeline {
  const sorted = withOutageStarts(entries).sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.version - b.version)
  const records = [...minutes].sort((a, b) => a.m - b.m)
  let served = servedAt(sorted, from)
  const phases: Array<Omit<Phase, 'end' | 'durationMs' | 'experience'>> = [{ start: new Date(from).toISOString(), mode: served.mode, percent: served.percent, eta: served.eta, events: [] }]
  for (const entry of sorted) {
    const at = Date.parse(entry.at)
    if (at < from || at > to) continue
    const next = servedAfter(served, entry)
    const event = eventOf(entry, served, next)
    served = next
    const last = phases[phases.length - 1] as Phase
    const previous = last.events[last.events.length - 1]
    if (joinsPrevious(previous, event)) {
      // the same outage told by another instance adds nothing to read
      if (previous?.action !== event.action) last.events.push(event)
      Object.assign(last, { mode: served.mode, percent: served.percent, eta: served.eta })
    } else if (last.events.length === 0 && at === from) {
      last.events.push(event)
      Object.assign(last, { mode: served.mode, percent: served.percent, eta: served.eta })
    } else {
      phases.push({ start: entry.at, mode: served.mode, percent: served.percent, eta: served.eta, events: [event] })
    }
  }
  const built: Phase[] = phases.map((phase, i) => {
    const start = Date.parse(phase.start)
    const end = i + 1 < phases.length ? Date.parse((phases[i + 1] as Phase).start) : to
    return { ...phase, end: new Date(end).toISOString(), durationMs: end - start, experience: experienceOf(minutesIn(records, start, end)) }
  })
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), phases: built, totals: totalsOf(built, records), minutes: records.map(minuteView) }
}

function totalsOf (phases: readonly Phase[], records: readonly MinuteRecord[]): TimelineTotals {
  let closedMs = 0
  let degradedMs = 0
  let plannedEta: string | null = null
  let finalEta: string | null = null
  let reopenedAt: string | null = null
  for (let i = 0; i < phases.length; i++) {
    const phase = phases[i] as Phase
    if (phase.mode === 'closed') closedMs += phase.durationMs
    else if (phase.mode !== 'open' && !(phase.mode === 'staged' && phase.percent >= 100)) degradedMs += phase.durationMs
    const previous = phases[i - 1]
    const fullyOpen = phase.mode === 'open' || (phase.mode === 'staged' && phase.percent >= 100)
    if (!fullyOpen) {
      // a window begins when the site leaves open: its first ETA is the plan
      const wasOpen = previous === undefined || previous.mode === 'open'
      if (wasOpen && previous !== undefined) {
        plannedEta = phase.eta
        reopenedAt = null
      } else if (plannedEta === null) {
        plannedEta = phase.eta
      }
      if (phase.eta !== null) finalEta = phase.eta
    } else if (previous !== undefined && previous.mode !== 'open' && reopenedAt === null && phase.events.length > 0) {
      reopenedAt = phase.start
    }
  }
  const lateByMs = plannedEta !== null && reopenedAt !== null ? Date.parse(reopenedAt) - Date.parse(plannedEta) : null
  return { closedMs, degradedMs, longestWaitMs: longestWait(records), plannedEta, finalEta, reopenedAt, lateByMs, experience: experienceOf(records) }
}
