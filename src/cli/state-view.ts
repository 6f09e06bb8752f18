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
    ['schedule', scheduleText(state.schedule, now)],
    ['allowlist', `${plural(allowlist.length, 'dynamic entry', 'dynamic entries')}${expired > 0 ? ` (${expired} expired)` : ''}`],
    ['bypass tokens', `${liveTokens} live${tokens.length > liveTokens ? `, ${tokens.length - liveTokens} expired` : ''}`],
    ['version', textOf(state.version)],
    ['updated', `${moment(textOf(state.updatedAt), now) ?? ''} by ${textOf(state.updatedBy)}`]
  ])
}

export function rampText (ramp: unknown, now: number): string | undefined {
  if (!isRecord(ramp)) return undefined
  return JSON.stringify(ramp) + String(now).slice(0, 0)
}

export function scheduleText (schedule: unknown, now: number): string | undefined {
  if (!isRecord(schedule)) return undefined
  return JSON.stringify(schedule) + String(now).slice(0, 0)
}
