import { errors } from '../errors.js'
import type { AuditEntry } from '../state/types.js'
import { RETENTION_MINUTES } from './counter-store.js'

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/

/** How far `tz` is ahead of UTC at `ms`. */
function offsetAt (tz: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms))
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value)
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(ms / 1000) * 1000
}

/** The instant the clock in `tz` reads the given wall time (Date.UTC normalises a day 0). */
function wallTime (tz: string, year: number, month: number, day: number, hours: number, minutes: number): number {
  const wall = Date.UTC(year, month, day, hours, minutes)
  return wall - offsetAt(tz, wall - offsetAt(tz, wall))
}

/** The last time the clock in `tz` read hh:mm, at or before `now`. */
function lastWallTime (tz: string, hours: number, minutes: number, now: number): number {
  const local = new Date(now + offsetAt(tz, now))
  const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()]
  const today = wallTime(tz, y, m, d, hours, minutes)
  return today <= now ? today : wallTime(tz, y, m, d - 1, hours, minutes)
}

/**
 * A time as an operator types it: `now`, `22:00` (the last time the clock
 * in `tz` read so), or ISO 8601. Anything else names the field.
 */
export function timeOf (text: string, field: string, tz: string, now: number): number {
  if (text === 'now') return now
  const hhmm = HHMM.exec(text)
  if (hhmm !== null) return lastWallTime(tz, Number(hhmm[1]), Number(hhmm[2]), now)
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : Number.NaN
  if (!Number.isFinite(ms)) throw new errors.GK_ERR_BAD_TIME(field, `give now, a time of day such as 22:00, or ISO 8601 such as 2026-11-27T22:00:00Z; got ${JSON.stringify(text)}`)
  return ms
}

/**
 * Where the current or last window began: the last change, among `entries`
 * (newest first), that took the site from open to anything else. Null when
 * the entries hold none.
 */
export function lastWindowStart (entries: readonly AuditEntry[]): number | null {
  for (const entry of entries) {
    if (entry.before === null) continue
    const was = entry.before.mode
    const became = entry.after.mode
    if (was === 'open' && typeof became === 'string' && became !== 'open') return Date.parse(entry.at)
  }
  return null
}

/** The range asked for, checked: `to` after `from`, within the 7 days the counts are kept. */
export function checkedRange (from: number, to: number): { from: number, to: number } {
  if (to <= from) throw new errors.GK_ERR_BAD_COMBINATION(`the range must end after it starts (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`)
  if (to - from > RETENTION_MINUTES * 60_000) throw new errors.GK_ERR_BAD_COMBINATION(`the range is at most 7 days, the time the counts are kept (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`)
  return { from, to }
}
