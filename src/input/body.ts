import { errors } from '../errors.js'
import { readWholeSeconds, wholeSecondsRefusal } from '../state/duration.js'

/**
 * What an admin body's schema cannot say: a time in the future, a percent's
 * two decimals, a duration's grammar. The schemas (src/admin/schemas.ts)
 * have already checked the types and refused unknown fields; each check
 * here names its field as the caller wrote it (`body.until`).
 */

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** An ISO 8601 time with its zone, strictly in the future; `field` names it, e.g. `body.until`. */
export function futureTime (value: unknown, field: string, now: number): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new errors.GK_ERR_BAD_TIME(field, `it must be an ISO 8601 time with a zone, such as 2026-11-22T06:00:00Z, got ${JSON.stringify(value)}`)
  }
  const at = Date.parse(value)
  if (at <= now) throw new errors.GK_ERR_BAD_TIME(field, `it is in the past (${value})`)
  return new Date(at).toISOString()
}

export function percentOf (value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100 ||
    Math.abs(Math.round(value * 100) - value * 100) > 1e-6) {
    throw new errors.GK_ERR_BAD_PERCENT(JSON.stringify(value) ?? 'nothing')
  }
  return Math.round(value * 100) / 100
}

/** Whole seconds in the one duration grammar (120, "2m", "PT2M"), or undefined when not given. */
export function wholeSeconds (value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  return ttlSeconds(value, field, max, min)
}

/** A time to live in whole seconds, in the one duration grammar: 5400, "90m", "1h30m", "PT8H". */
export function ttlSeconds (value: unknown, field: string, maxSeconds: number, minSeconds = 60): number {
  const reading = readWholeSeconds(value, minSeconds, maxSeconds)
  if (!reading.ok) throw new errors.GK_ERR_BAD_FIELD(field, wholeSecondsRefusal(value, minSeconds, maxSeconds, reading.reason))
  return reading.seconds
}
