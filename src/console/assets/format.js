// How the console writes times, durations and ramp steps. Plain functions of
// their inputs, so the confirmation texts built on them read the same in
// every view.

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })

/** A time in the reader's own zone, with the zone named. */
export function localTime (iso) {
  const at = Date.parse(iso)
  return Number.isNaN(at) ? '' : dateFormat.format(at)
}

export function clockTime (ms) {
  return clockFormat.format(ms)
}

function pad (n) {
  return (n < 10 ? '0' : '') + n
}

/** "45 s", "4 min 05 s", "2 h 03 min", "3 d 4 h": precise when it is close, short when it is far. */
export function duration (seconds) {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`
  if (s < 86400) return `${Math.floor(s / 3600)} h ${pad(Math.floor(s % 3600 / 60))} min`
  return `${Math.floor(s / 86400)} d ${Math.floor(s % 86400 / 3600)} h`
}

/** A hold as people say it: "5 min", "1 h 30 min", "90 s". */
export function holdText (seconds) {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`
  if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${Math.round(seconds % 3600 / 60)} min`
  if (seconds % 60 === 0) return `${seconds / 60} min`
  return `${seconds} s`
}

export function ago (iso, now) {
  const at = Date.parse(iso)
  return Number.isNaN(at) ? '' : `${duration((now - at) / 1000)} ago`
}

export function percentText (value) {
  return `${Number(value).toLocaleString('en', { maximumFractionDigits: 2 })} %`
}

const HOLD = /^(\d{1,7})\s*(s|m|min|h|d)$/
const HOLD_SECONDS = { s: 1, m: 60, min: 60, h: 3600, d: 86400 }
const STEP = /^(\d{1,3}(?:\.\d{1,2})?)\s*%?(?:\s*(?:for|:|\/|\s)\s*(.+))?$/

/**
 * Ramp steps as an operator types them: "5 5m, 25 10m, 100" or
 * "5% for 5m, 25% for 10m, 100%". Returns the API's [{percent, hold}] and
 * the holds in seconds; throws an Error naming the piece it cannot read.
 */
export function parseSteps (text) {
  const pieces = String(text).split(/[,;\n]+/).map((piece) => piece.trim()).filter((piece) => piece !== '')
  if (pieces.length === 0) throw new Error('type at least one step, such as "5 5m, 25 10m, 100"')
  return pieces.map((piece, i) => {
    const match = STEP.exec(piece)
    if (match === null) throw new Error(`step ${i + 1} ("${piece}") is not "<percent> <hold>", such as "25 10m"`)
    const percent = Number(match[1])
    if (!(percent > 0 && percent <= 100)) throw new Error(`step ${i + 1}: the percentage must be above 0 and at most 100`)
    if (match[2] === undefined) {
      if (percent !== 100) throw new Error(`step ${i + 1} (${percent} %) needs a hold, such as "${percent} 10m": only 100 % needs none`)
      return { percent, holdSeconds: 0 }
    }
    const hold = HOLD.exec(match[2].trim())
    if (hold === null) throw new Error(`step ${i + 1}: "${match[2].trim()}" is not a hold such as 90s, 5m, 2h or 1d`)
    return { percent, holdSeconds: Number(hold[1]) * HOLD_SECONDS[hold[2]] }
  })
}

/** The steps for POST /v1/ramp: a hold is sent as seconds, none for the final 100 %. */
export function stepsForApi (steps) {
  return steps.map((step) => step.holdSeconds > 0 ? { percent: step.percent, hold: step.holdSeconds } : { percent: step.percent })
}

/** "5 % for 5 min → 25 % for 10 min → 100 %" */
export function stepsText (steps) {
  return steps.map((step) => step.holdSeconds > 0 ? `${percentText(step.percent)} for ${holdText(step.holdSeconds)}` : percentText(step.percent)).join(' → ')
}

/** A value of the audit log, short enough for a table cell. */
export function shortValue (value) {
  if (value === undefined) return '—'
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value)
  return text.length > 80 ? text.slice(0, 77) + '…' : text
}
