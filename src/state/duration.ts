/**
 * The one duration grammar, read alike by the API, the configuration and the
 * CLI. Pure: no I/O, no clock.
 *
 * - a non-negative number: seconds, three decimals at most (0.5 is 500 ms);
 *   the same as text ("90", "0.5");
 * - parts `<digits><unit>`, units ms, s, m, h, d, largest first, each once:
 *   "500ms", "90s", "10m", "1h30m", "8h", "2d";
 * - ISO 8601 `P[nD][T[nH][nM][nS]]`: "PT10M", "PT1H30M", "P1D", "PT0.5S"
 *   (decimals only in the seconds); years, months and weeks have no fixed
 *   length and are refused.
 *
 * Anything over 100 years is refused: it is a typo, not a plan.
 */

export type DurationReading = { ok: true, ms: number } | { ok: false, reason: string }

/** For error messages: what the grammar looks like. */
export const DURATION_EXAMPLES = '90s, 5m, 1h30m, 2d or PT10M (a plain number is seconds)'

export const MAX_DURATION_MS = 100 * 365 * 86_400_000

const DAY = 86_400_000
const HOUR = 3_600_000
const MINUTE = 60_000
const UNIT_MS: Readonly<Record<string, number>> = { d: DAY, h: HOUR, m: MINUTE, s: 1000, ms: 1 }
const UNIT_ORDER = ['d', 'h', 'm', 's', 'ms']

const SECONDS_TEXT = /^\d+(?:\.\d+)?$/
const PART = /^(\d+)([a-zA-Z]+)/
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/

function refuse (reason: string): DurationReading {
  return { ok: false, reason }
}

function bounded (ms: number): DurationReading {
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) return refuse('is over 100 years')
  return { ok: true, ms }
}

/** Seconds with three decimals at most, as milliseconds. */
function fromSeconds (seconds: number): DurationReading {
  if (!Number.isFinite(seconds)) return refuse('is not a finite number')
  if (seconds < 0) return refuse('is negative')
  const ms = Math.round(seconds * 1000)
  if (Math.abs(ms - seconds * 1000) > 1e-6) return refuse('has more than three decimals (milliseconds are the finest unit)')
  return bounded(ms)
}

function fromSecondsText (text: string): DurationReading {
  const [, decimals = ''] = text.split('.')
  if (decimals.length > 3) return refuse('has more than three decimals (milliseconds are the finest unit)')
  return fromSeconds(Number(text))
}

function fromIso (text: string): DurationReading {
  const date = text.split('T')[0] as string
  if (/[YW]/.test(date) || /M/.test(date)) {
    return refuse('uses years, months or weeks, which have no fixed length: write days (P1D) or hours (PT36H)')
  }
  const match = ISO.exec(text)
  if (match === null || text === 'P' || text.endsWith('T')) {
    return refuse('is not an ISO 8601 duration of the form P[nD][T[nH][nM][nS]] (e.g. PT10M, PT1H30M, P1D)')
  }
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match
  const [, decimals = ''] = seconds.split('.')
  if (decimals.length > 3) return refuse('has more than three decimals (milliseconds are the finest unit)')
  const ms = Number(days) * DAY + Number(hours) * HOUR + Number(minutes) * MINUTE + Math.round(Number(seconds) * 1000)
  return bounded(ms)
}

function fromParts (text: string): DurationReading {
  let rest = text
  let total = 0
  let lastRank = -1
  while (rest !== '') {
    const match = PART.exec(rest)
    if (match === null) {
      if (/^\d*\.\d/.test(rest)) return refuse('has decimals in a unit: decimals go only in plain seconds or ISO seconds (write 1h30m, not 1.5h)')
      return refuse('is not of the form 90s, 5m, 1h30m, 2d, PT10M or a number of seconds')
    }
    const [whole, digits, unit] = match as unknown as [string, string, string]
    const rank = UNIT_ORDER.indexOf(unit)
    if (rank === -1) return refuse(`has an unknown unit ${JSON.stringify(unit)} (known: ms, s, m, h, d)`)
    if (rank <= lastRank) return refuse('has its units out of order or repeated: largest first, each once (1h30m, not 30m1h)')
    lastRank = rank
    total += Number(digits) * (UNIT_MS[unit] as number)
    rest = rest.slice(whole.length)
  }
  return bounded(total)
}

/** Reads a duration, or says what is wrong with it (a phrase to follow the value). */
export function readDuration (value: unknown): DurationReading {
  if (typeof value === 'number') return fromSeconds(value)
  if (typeof value !== 'string') return refuse('is neither a number of seconds nor text such as "5m"')
  if (value === '') return refuse('is empty')
  if (/\s/.test(value)) return refuse('has a space in it')
  if (value.startsWith('-')) return refuse('is negative')
  if (SECONDS_TEXT.test(value)) return fromSecondsText(value)
  if (value.startsWith('P')) return fromIso(value)
  return fromParts(value)
}

/** Milliseconds, or null when the value is not a duration. */
export function parseDuration (value: unknown): number | null {
  const reading = readDuration(value)
  return reading.ok ? reading.ms : null
}

/**
 * Whole seconds from `min` to `max`, for fields that count seconds. The
 * reason is a phrase to follow the value.
 */
export function readWholeSeconds (value: unknown, min: number, max: number): { ok: true, seconds: number } | { ok: false, reason: string } {
  const reading = readDuration(value)
  if (!reading.ok) return reading
  if (reading.ms % 1000 !== 0) return { ok: false, reason: `is ${formatDuration(reading.ms)}, not whole seconds` }
  const seconds = reading.ms / 1000
  if (seconds < min || seconds > max) {
    return { ok: false, reason: `is ${formatDuration(reading.ms)}, outside ${formatDuration(min * 1000)} to ${formatDuration(max * 1000)}` }
  }
  return { ok: true, seconds }
}

/** Milliseconds written in the grammar, largest unit first: 5400000 → "1h30m", 0 → "0s". */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return String(ms)
  let rest = Math.round(ms)
  if (rest === 0) return '0s'
  let text = ''
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit] as number
    const count = Math.floor(rest / size)
    if (count > 0) text += `${count}${unit}`
    rest -= count * size
  }
  return text
}

/**
 * What a field of whole seconds says when it refuses a value: the range, the
 * grammar, the value and why — e.g. `must be a duration of whole seconds from
 * 1m to 30d, such as …, got "500ms" (it is 500ms, not whole seconds)`.
 */
export function wholeSecondsRefusal (value: unknown, min: number, max: number, reason: string): string {
  const shown = value === undefined ? 'nothing' : JSON.stringify(value)
  return `must be a duration of whole seconds from ${formatDuration(min * 1000)} to ${formatDuration(max * 1000)}, such as ${DURATION_EXAMPLES}, got ${shown} (it ${reason})`
}
