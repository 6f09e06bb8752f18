import { errors } from '../errors.js'
import type { Experience, Phase, Timeline } from './phases.js'

/** The machine's time zone, or `tz` checked: an unknown zone names itself in the error. */
export function timeZoneOf (tz: string | undefined, field = 'tz'): string {
  if (tz === undefined || tz === '') return Intl.DateTimeFormat().resolvedOptions().timeZone
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone: tz }).resolvedOptions().timeZone
  } catch {
    throw new errors.GK_ERR_BAD_FIELD(field, `unknown time zone ${JSON.stringify(tz)}; give an IANA name such as Europe/Paris or UTC`)
  }
}

/** `20 minutes`, `1 hour 5 minutes`, `40 seconds`. */
export function durationText (ms: number): string {
  const abs = Math.abs(ms)
  if (abs < 60_000) {
    const s = Math.round(abs / 1000)
    return `${s} second${s === 1 ? '' : 's'}`
  }
  const total = Math.round(abs / 60_000)
  const hours = Math.floor(total / 60)
  const minutes = total % 60
  const parts: string[] = []
  if (hours > 0) parts.push(`${hours} hour${hours === 1 ? '' : 's'}`)
  if (minutes > 0 || hours === 0) parts.push(`${minutes} minute${minutes === 1 ? '' : 's'}`)
  return parts.join(' ')
}

function clockOf (tz: string): { time: (iso: string) => string, day: (iso: string) => string } {
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'long', year: 'numeric' })
  return { time: (iso) => time.format(new Date(iso)), day: (iso) => day.format(new Date(iso)) }
}

function share (value: number): string {
  return `${Math.round(value * 1000) / 10} %`
}

/** What people met, in one clause; empty when nobody came. */
export function experienceText (e: Experience): string {
  const parts: string[] = []
  if (e.publicLetThrough > 0 || e.publicTurnedAway > 0) {
    const seen = e.publicTurnedAway > 0 ? `${e.publicTurnedAway} turned away (${e.publicClients} client${e.publicClients === 1 ? '' : 's'})` : ''
    const let_ = e.publicLetThrough > 0 ? `${e.publicLetThrough} let in` : ''
    parts.push(`public: ${[let_, seen].filter((p) => p !== '').join(', ')}`)
  }
  if (e.testerRequests > 0) parts.push(`testers: ${e.testerRequests} request${e.testerRequests === 1 ? '' : 's'}${e.testers.length > 0 ? ` (${e.testers.join(', ')})` : ''}`)
  if (e.upstream5xxShare !== null) parts.push(`upstream: ${share(e.upstream5xxShare)} 5xx${e.upstreamP99Ms === null ? '' : `, p99 ≤ ${e.upstreamP99Ms} ms`}`)
  return parts.join(' · ')
}

function figuresText (figures: Record<string, unknown> | undefined): string {
  if (figures === undefined) return ''
  const parts: string[] = []
  if (typeof figures.serverErrorShare === 'number') parts.push(`5xx ${share(figures.serverErrorShare)}`)
  if (typeof figures.connectionErrorShare === 'number' && figures.connectionErrorShare > 0) parts.push(`no answer ${share(figures.connectionErrorShare)}`)
  if (typeof figures.p99Ms === 'number') parts.push(`p99 ${figures.p99Ms} ms`)
  if (typeof figures.requests === 'number') parts.push(`of ${figures.requests} requests`)
  return parts.length === 0 ? '' : ` [${parts.join(', ')}]`
}

function phaseLine (phase: Phase, time: (iso: string) => string): string {
  const range = `${time(phase.start)}–${time(phase.end)} (${durationText(phase.durationMs)})`
  const events = phase.events.map((e) => `${e.what}${e.who === '' ? '' : ` by ${e.who}`}${e.reason === null ? '' : `: "${e.reason}"`}${figuresText(e.figures)}`)
  const head = events.length === 0 ? `${phase.mode === 'staged' ? `staged at ${phase.percent} %` : phase.mode} (already)` : events.join('; ')
  const eta = phase.mode !== 'open' && phase.eta !== null ? ` · ETA ${time(phase.eta)}` : ''
  const experience = experienceText(phase.experience)
  return `- ${range} ${head}${eta}${experience === '' ? '' : ` · ${experience}`}`
}

/** The night in the seeds' style: one line a phase, then the totals. */
export function timelineMarkdown (timeline: Timeline, tz: string): string {
  const { time, day } = clockOf(tz)
  const lines = [`# The window of ${day(timeline.from)}, ${time(timeline.from)}–${time(timeline.to)} (${tz})`, '']
  let lastDay = day(timeline.from)
  for (const phase of timeline.phases) {
    const d = day(phase.start)
    if (d !== lastDay) {
      lines.push('', `## ${d}`, '')
      lastDay = d
    }
    lines.push(phaseLine(phase, time))
  }
  const t = timeline.totals
  lines.push('', '## Totals', '')
  lines.push(`- Closed: ${durationText(t.closedMs)}`)
  lines.push(`- Degraded (staged or read-only): ${durationText(t.degradedMs)}`)
  lines.push(`- Longest stretch anyone waited on the page: ${t.longestWaitMs === 0 ? 'none' : durationText(t.longestWaitMs)}`)
  if (t.plannedEta !== null) {
    const extended = t.finalEta !== null && t.finalEta !== t.plannedEta ? ` (ETA moved to ${time(t.finalEta)})` : ''
    if (t.reopenedAt !== null && t.lateByMs !== null) {
      const verdict = Math.abs(t.lateByMs) < 60_000 ? 'on time' : `${durationText(t.lateByMs)} ${t.lateByMs > 0 ? 'late' : 'early'}`
      lines.push(`- Planned reopening ${time(t.plannedEta)}${extended}, reopened ${time(t.reopenedAt)}: ${verdict}`)
    } else {
      lines.push(`- Planned reopening ${time(t.plannedEta)}${extended}: not reopened yet`)
    }
  } else if (t.reopenedAt !== null) {
    lines.push(`- Reopened ${time(t.reopenedAt)} (no ETA was given)`)
  }
  const experience = experienceText(t.experience)
  if (experience !== '') lines.push(`- ${experience}`)
  return lines.join('\n') + '\n'
}
