import { durationMs, durationSeconds, percentArg, wholeNumberArg, type OptionTable, type ParsedArgs } from './args.js'
import { usageError } from './errors.js'
import { isRecord } from './format.js'

/** The health thresholds a ramp (or a scheduled ramp) can set; anything finer goes in --abort-on JSON. */
export const RAMP_PLAN_OPTIONS: OptionTable = {
  'on-unhealthy': { type: 'string' },
  'max-5xx': { type: 'string' },
  'max-conn-errors': { type: 'string' },
  'max-p99': { type: 'string' },
  'min-samples': { type: 'string' },
  'abort-on': { type: 'string' }
}

export const RAMP_PLAN_HELP = `Health gate (defaults from the configuration's healthGate):
  --on-unhealthy abort|hold  abort (close the site) or hold (pause) when a threshold is crossed
  --max-5xx PERCENT          the share of upstream 5xx answers that is too many (5%)
  --max-conn-errors PERCENT  the share of requests without an answer that is too many (5%)
  --max-p99 DURATION         the upstream's p99 latency that is too slow (2s, 800ms)
  --min-samples N            answers needed before any figure counts
  --abort-on JSON            the API's abortOn object, for anything else; the flags above win`

export interface WireStep { percent: number, hold?: number }

/**
 * Steps as a sysadmin types them: "5%:5m,25%:10m,100%" — a percentage and how
 * long to hold it; the last step, 100 %, opens the site and needs no hold.
 * Whether they rise and fit the limits is the API's to say.
 */
export function parseStepsArg (text: string, what: string): WireStep[] {
  const parts = text.split(',').map((part) => part.trim())
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw usageError(`${what} must be steps such as 5%:5m,25%:10m,100% (percent:hold, comma-separated), got ${JSON.stringify(text)}`)
  }
  return parts.map((part, i) => {
    const [percentText, holdText, extra] = part.split(':')
    const where = `${what}: step ${i + 1} (${JSON.stringify(part)})`
    if (extra !== undefined) throw usageError(`${where} has more than one ":"; a step is PERCENT:HOLD such as 25%:10m`)
    const percent = percentArg(percentText as string, where)
    if (holdText === undefined) {
      if (i === parts.length - 1 && percent === 100) return { percent }
      throw usageError(`${where} needs a hold, such as ${percent}%:10m (only a last step of 100% goes without)`)
    }
    return { percent, hold: durationSeconds(holdText, `${where} hold`, 1, 7 * 86400) }
  })
}

/** The abortOn object from --abort-on and the named flags; undefined leaves the configured defaults. */
export function abortOnOf (parsed: ParsedArgs, command: string): Record<string, unknown> | undefined {
  const json = parsed.string('abort-on')
  let abortOn: Record<string, unknown> = {}
  if (json !== undefined) {
    let value: unknown
    try {
      value = JSON.parse(json)
    } catch {
      throw usageError(`gatekeeper ${command}: --abort-on must be a JSON object such as '{"serverErrors": {"maxShare": 0.05}}'`)
    }
    if (!isRecord(value)) throw usageError(`gatekeeper ${command}: --abort-on must be a JSON object`)
    abortOn = value
  }
  const section = (name: string): Record<string, unknown> => {
    const existing = abortOn[name]
    const copy = isRecord(existing) ? { ...existing } : {}
    abortOn[name] = copy
    return copy
  }
  const action = parsed.string('on-unhealthy')
  if (action !== undefined) {
    if (action !== 'abort' && action !== 'hold') throw usageError(`gatekeeper ${command}: --on-unhealthy must be "abort" or "hold", got ${JSON.stringify(action)}`)
    abortOn.action = action
  }
  const max5xx = parsed.string('max-5xx')
  if (max5xx !== undefined) section('serverErrors').maxShare = percentArg(max5xx, `gatekeeper ${command}: --max-5xx`) / 100
  const maxConn = parsed.string('max-conn-errors')
  if (maxConn !== undefined) section('connectionErrors').maxShare = percentArg(maxConn, `gatekeeper ${command}: --max-conn-errors`) / 100
  const maxP99 = parsed.string('max-p99')
  if (maxP99 !== undefined) section('latencyP99').maxMs = durationMs(maxP99, `gatekeeper ${command}: --max-p99`)
  const minSamples = parsed.string('min-samples')
  if (minSamples !== undefined) {
    const count = wholeNumberArg(minSamples, `gatekeeper ${command}: --min-samples`, 1, 1_000_000)
    for (const name of ['serverErrors', 'connectionErrors', 'latencyP99']) section(name).minSamples = count
  }
  for (const [name, value] of Object.entries(abortOn)) {
    if (isRecord(value) && Object.keys(value).length === 0) Reflect.deleteProperty(abortOn, name)
  }
  return Object.keys(abortOn).length === 0 ? undefined : abortOn
}
