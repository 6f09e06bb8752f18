import { errors } from '../errors.js'
import { readWholeSeconds, wholeSecondsRefusal } from '../state/duration.js'

/** Checks of API bodies: each names the field it refuses, and nothing is changed before they all pass. */

export type Body = Record<string, unknown>

export function bodyOf (value: unknown, allowed: readonly string[]): Body {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new errors.GK_ERR_BAD_REQUEST('the body must be a JSON object')
  const body = value as Body
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new errors.GK_ERR_BAD_REQUEST(`unknown field "${key}"${allowed.length > 0 ? ` (expected: ${allowed.join(', ')})` : ' (this call takes no body)'}`)
    }
  }
  return body
}

export function optionalText (body: Body, key: string, max = 500): string | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new errors.GK_ERR_BAD_REQUEST(`"${key}" must be a string`)
  if (value.length > max) throw new errors.GK_ERR_BAD_REQUEST(`"${key}" must be at most ${max} characters`)
  return value
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/** An ISO 8601 time with its zone, strictly in the future. */
export function futureTime (body: Body, key: string, now: number): string | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
    throw new errors.GK_ERR_BAD_TIME(`"${key}" must be an ISO 8601 time with a zone, such as 2026-11-22T06:00:00Z, got ${JSON.stringify(value)}`)
  }
  const at = Date.parse(value)
  if (at <= now) throw new errors.GK_ERR_BAD_TIME(`"${key}" is in the past: ${value}`)
  return new Date(at).toISOString()
}

export function percentOf (value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100 ||
    Math.abs(Math.round(value * 100) - value * 100) > 1e-6) {
    throw new errors.GK_ERR_BAD_PERCENT(JSON.stringify(value) ?? 'nothing')
  }
  return Math.round(value * 100) / 100
}

/** A field of whole seconds, in the one duration grammar: 120, "2m", "PT2M". */
export function wholeSeconds (body: Body, key: string, min: number, max: number): number | undefined {
  const value = body[key]
  if (value === undefined) return undefined
  return ttlSeconds(value, key, max, min)
}

/** A time to live in whole seconds, in the one duration grammar: 5400, "90m", "1h30m", "PT8H". */
export function ttlSeconds (value: unknown, key: string, maxSeconds: number, minSeconds = 60): number {
  const reading = readWholeSeconds(value, minSeconds, maxSeconds)
  if (!reading.ok) throw new errors.GK_ERR_BAD_REQUEST(`"${key}" ${wholeSecondsRefusal(value, minSeconds, maxSeconds, reading.reason)}`)
  return reading.seconds
}
