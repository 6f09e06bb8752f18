import { parseArgs, type ParseArgsConfig } from 'node:util'
import { usageError } from './errors.js'
import { DURATION_EXAMPLES, readDuration } from '../state/duration.js'

export type OptionTable = NonNullable<ParseArgsConfig['options']>

/** Every admin command takes these: where the API is, who is asking, and how to print. */
export const CONNECTION_OPTIONS: OptionTable = {
  url: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
}

/** Every command that changes the state takes these. */
export const CHANGE_OPTIONS: OptionTable = {
  'if-match': { type: 'string' },
  wait: { type: 'string' },
  timeout: { type: 'string' }
}

export interface ParsedArgs {
  positionals: string[]
  string (name: string): string | undefined
  /** every value of an option given `multiple: true`, in order */
  strings (name: string): string[]
  flag (name: string): boolean
}

/**
 * parseArgs, strict, with its errors turned into usage errors that name the
 * command and the argument at fault.
 */
export function parseCommandArgs (command: string, args: string[], options: OptionTable): ParsedArgs {
  let parsed
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (err) {
    throw usageError(`gatekeeper ${command}: ${describeParseError(err)}`)
  }
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>
  return {
    positionals: parsed.positionals,
    string (name) {
      const value = values[name]
      return typeof value === 'string' ? value : undefined
    },
    strings (name) {
      const value = values[name]
      return Array.isArray(value) ? value : typeof value === 'string' ? [value] : []
    },
    flag (name) {
      return values[name] === true
    }
  }
}

function describeParseError (err: unknown): string {
  const { code, message } = err as { code?: string, message?: string }
  const text = message ?? String(err)
  const named = /'(-[^']*)'/.exec(text)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && named !== undefined) {
    return `unknown option ${named}`
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(text)) {
    const option = /(--[\w-]+)/.exec(text)?.[1] ?? 'an option'
    return `${option} needs a value`
  }
  return text
}

/** Positionals are counted exactly: a stray word is a mistake, not something to ignore. */
export function expectPositionals (command: string, parsed: ParsedArgs, names: readonly string[], optional = 0): string[] {
  const given = parsed.positionals
  const least = names.length - optional
  if (given.length < least) {
    throw usageError(`gatekeeper ${command}: missing ${names.slice(given.length, least).map((name) => name.toUpperCase()).join(' and ')}`)
  }
  if (given.length > names.length) {
    throw usageError(`gatekeeper ${command}: unexpected argument ${JSON.stringify(given[names.length])}`)
  }
  return given
}

/** A duration in the one grammar (src/state/duration.ts): "90s", "5m", "1h30m", "2d", "PT10M", or a plain number of seconds. */
export function durationMs (text: string, what: string): number {
  const reading = readDuration(text.trim())
  if (!reading.ok) {
    throw usageError(`${what} must be a duration such as ${DURATION_EXAMPLES}, got ${JSON.stringify(text)} (it ${reading.reason})`)
  }
  return reading.ms
}

/** Whole seconds, for the API's fields that count seconds. */
export function durationSeconds (text: string, what: string, min: number, max: number): number {
  const ms = durationMs(text, what)
  if (ms % 1000 !== 0 || ms < min * 1000 || ms > max * 1000) {
    throw usageError(`${what} must be whole seconds from ${min} to ${max} (${JSON.stringify(text)} is not)`)
  }
  return ms / 1000
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * A moment: an ISO 8601 time with its zone, or a duration from now ("2h",
 * "+90m") — at 3 a.m. "two hours from now" is what one means.
 */
export function timeArg (text: string, what: string, now: number): string {
  const trimmed = text.trim()
  if (ISO_WITH_ZONE.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return trimmed
  const relative = trimmed.startsWith('+') ? trimmed.slice(1) : trimmed
  if (!/^[\d.]*$/.test(relative) && readDuration(relative).ok) return new Date(now + durationMs(relative, what)).toISOString()
  throw usageError(`${what} must be an ISO 8601 time with a zone (2026-11-22T06:00:00Z, 2026-11-22T07:00+01:00) or a duration from now (2h, +90m), got ${JSON.stringify(text)}`)
}

/** A percentage as the API takes it: 0 to 100, two decimals at most; "25%" reads as 25. */
export function percentArg (text: string, what: string): number {
  const match = /^(\d{1,3}(?:\.\d{1,2})?)%?$/.exec(text.trim())
  const value = match === null ? Number.NaN : Number(match[1])
  if (Number.isNaN(value) || value > 100) {
    throw usageError(`${what} must be a percentage from 0 to 100 with at most two decimals (e.g. 25 or 12.5%), got ${JSON.stringify(text)}`)
  }
  return value
}

export function wholeNumberArg (text: string, what: string, min: number, max: number): number {
  const value = /^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN
  if (Number.isNaN(value) || value < min || value > max) {
    throw usageError(`${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`)
  }
  return value
}
