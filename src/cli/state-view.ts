import { humanDuration, isRecord, moment, plural, recordsOf, textOf } from './format.js'
import { renderFields } from './table.js'

/** The mode as a person says it: "staged 25%", "closed". */
export function modeText (state: Record<string, unknown>): string {
  const mode = textOf(state.mode)
  return mode === 'staged' ? `staged ${textOf(state.percent)}%` : mode
}

/** The state as `status` and every mode change print it. */
export function renderState (state: Record<string, unknown>, now: number): string {
  const window = isRecord(state.window) ? state.window : {}
  const allowlist = recordsOf(state.allowlist)
  const expired = allowlist.filter((entry) => typeof entry.expiresAt === 'string' && Date.parse(entry.expiresAt) <= now).length
  const tokens = recordsOf(state.tokens)
  const liveTokens = tokens.filter((token) => typeof token.expiresAt !== 'string' || Date.parse(token.expiresAt) > now).length
  return renderFields([
    ['mode', modeText(state)],
    ['reason', textOf(state.reason)],
    ['window opened', moment(textOf(window.start), now)],
    ['expected end', moment(textOf(window.end), now)],
    ['retry-after', typeof state.retryAfter === 'number' ? `${state.retryAfter}s (${humanDuration(state.retryAfter * 1000)})` : undefined],
    ['ramp', rampText(state.ramp, now)],
    ['ramp steps', stepsText(state.ramp)],
    ['schedule', scheduleText(state.schedule, now)],
    ['flags', flagsText(state.flags, now)],
    ['allowlist', `${plural(allowlist.length, 'dynamic entry', 'dynamic entries')}${expired > 0 ? ` (${expired} expired)` : ''}`],
    ['bypass tokens', `${liveTokens} live${tokens.length > liveTokens ? `, ${tokens.length - liveTokens} expired` : ''}`],
    ['version', textOf(state.version)],
    ['updated', `${moment(textOf(state.updatedAt), now) ?? ''} by ${textOf(state.updatedBy)}`]
  ])
}

/** Where a ramp stands: its step and when the next begins, why it is paused, or how it ended. */
export function rampText (ramp: unknown, now: number): string | undefined {
  if (!isRecord(ramp)) return undefined
  const steps = recordsOf(ramp.steps)
  const index = typeof ramp.index === 'number' ? ramp.index : 0
  const step = steps[index]
  const at = `step ${index + 1} of ${steps.length} (${textOf(step?.percent)}%)`
  if (isRecord(ramp.ended)) {
    const end = ramp.ended
    return `${textOf(end.outcome)} ${moment(textOf(end.at), now) ?? ''} at ${at}, by ${textOf(end.by)}: ${textOf(end.reason)}`
  }
  const held = heldText(ramp.held, now)
  if (held !== undefined) return `held at ${at}: ${held}`
  if (ramp.paused === true) {
    const left = typeof ramp.remainingMs === 'number' ? `, ${humanDuration(ramp.remainingMs)} of its hold left` : ''
    const why = textOf(ramp.pauseReason)
    return `paused at ${at}${left}; paused by ${textOf(ramp.pausedBy)}${why === '' ? '' : `: ${why}`}`
  }
  const next = steps[index + 1]
  const when = moment(textOf(ramp.nextAt), now)
  if (next === undefined) return `${at}, the last, until ${when ?? '?'}`
  return `${at}; ${textOf(next.percent)}% ${when === undefined ? 'next' : `at ${when}`}`
}

/** The steps as typed to `ramp start`: "5%:5m,25%:10m,100%". */
export function stepsText (ramp: unknown): string | undefined {
  if (!isRecord(ramp)) return undefined
  return recordsOf(ramp.steps).map((step) => {
    const hold = typeof step.holdSeconds === 'number' && step.holdSeconds > 0 ? `:${compactDuration(step.holdSeconds)}` : ''
    return `${textOf(step.percent)}%${hold}`
  }).join(',')
}

/** Seconds as the shortest duration the CLI reads back: 300 → "5m", 5400 → "90m". */
export function compactDuration (seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`
  if (seconds % 3600 === 0) return `${seconds / 3600}h`
  if (seconds % 60 === 0) return `${seconds / 60}m`
  return `${seconds}s`
}

/** A planned window: when it closes, and what happens at its end. */
export function scheduleText (schedule: unknown, now: number): string | undefined {
  if (!isRecord(schedule)) return undefined
  const closeAt = moment(textOf(schedule.closeAt), now)
  const openAt = moment(textOf(schedule.openAt), now)
  const then = textOf(schedule.then)
  const ending = openAt === undefined
    ? 'no planned end'
    : then === 'hold' ? `held closed from ${openAt} until someone reopens` : `${then === 'ramp' ? `ramp (${stepsText(schedule.ramp) ?? '?'})` : 'open'} at ${openAt}`
  const held = heldText(schedule.held, now)
  return `${schedule.phase === 'closed' ? 'closed' : 'closes'} ${schedule.phase === 'closed' ? 'since' : 'at'} ${closeAt ?? '?'}; ${ending}${held === undefined ? '' : `; held: ${held}`}`
}

/** A ramp step or a scheduled opening that waits for closed dependencies: "waiting for app2 (closed) since 3 minutes ago". */
export function heldText (held: unknown, now: number): string | undefined {
  if (!isRecord(held)) return undefined
  const sites = Array.isArray(held.sites) ? held.sites.map(textOf) : []
  return `waiting for ${sites.join(', ')} (closed) since ${moment(textOf(held.since), now) ?? '?'}; open ${sites.length === 1 ? 'it' : 'them'}, or start again with --force`
}

/** What the operator should look at: "⚠ app2 was closed by its health gate (via app1) 2 minutes ago: 5xx share …". */
export function flagsText (flags: unknown, now: number): string | undefined {
  const list = recordsOf(flags)
  if (list.length === 0) return undefined
  return list.map((flag) => {
    const via = Array.isArray(flag.via) && flag.via.length > 0 ? ` (via ${flag.via.map(textOf).join(', ')})` : ''
    const reasons = Array.isArray(flag.reasons) ? flag.reasons.map(textOf).join('; ') : ''
    return `⚠ ${textOf(flag.site)} was closed by its health gate${via} ${moment(textOf(flag.at), now) ?? ''}${reasons === '' ? '' : `: ${reasons}`}; closing this site is your decision (any mode change clears the flag)`
  }).join(' · ')
}

/**
 * The state in one line for a watch: absolute times, no countdown, so that
 * off a terminal a new line is written only when something changed.
 */
export function progressLine (state: Record<string, unknown>): string {
  const head = `${modeText(state)} (version ${textOf(state.version)})`
  const ramp = isRecord(state.ramp) ? state.ramp : undefined
  if (ramp === undefined) return head
  const steps = recordsOf(ramp.steps)
  const index = typeof ramp.index === 'number' ? ramp.index : 0
  const at = `step ${index + 1} of ${steps.length}`
  if (isRecord(ramp.ended)) return `${head}: the ramp ended, ${textOf(ramp.ended.outcome)} at ${at}: ${textOf(ramp.ended.reason)}`
  const heldBy = isRecord(ramp.held) && Array.isArray(ramp.held.sites) ? ramp.held.sites.map(textOf).join(', ') : undefined
  if (heldBy !== undefined) return `${head}: ramp held at ${at}, waiting for ${heldBy} (closed)`
  if (ramp.paused === true) return `${head}: ramp paused at ${at}${textOf(ramp.pauseReason) === '' ? '' : `: ${textOf(ramp.pauseReason)}`}`
  const next = steps[index + 1]
  return `${head}: ramp at ${at}${next === undefined ? '' : `, ${textOf(next.percent)}% at ${textOf(ramp.nextAt)}`}`
}
