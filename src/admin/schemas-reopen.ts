import { duration, object, text, time, type Schema } from './schemas.js'

/** The bodies and queries of ramps, schedules and the admission dry run (src/admin/routes-reopen.ts). */

const SHARE = { type: 'number', description: 'a share from 0 to 1 (0.05 is 5 %)' }
const SAMPLES = { type: 'integer', description: 'a whole number from 1 to 1000000' }

const STEP = object({
  percent: { type: 'number', description: 'a number above 0 and at most 100, two decimals at most' },
  hold: duration('how long the step lasts; only a last step of 100 goes without')
}, ['percent'])

export const STEPS: Schema = {
  type: 'array',
  minItems: 1,
  maxItems: 20,
  items: STEP,
  description: 'a list of 1 to 20 steps such as [{"percent": 5, "hold": "5m"}, {"percent": 100}]'
}

export const ABORT_ON = object({
  action: { type: 'string', enum: ['abort', 'hold'], description: 'what an unhealthy verdict does' },
  serverErrors: object({ maxShare: SHARE, minSamples: SAMPLES }),
  connectionErrors: object({ maxShare: SHARE, minSamples: SAMPLES }),
  latencyP99: object({ maxMs: { type: 'integer', description: 'milliseconds' }, minSamples: SAMPLES })
}, [], 'the health thresholds; the configuration\'s healthGate fills in what is left out')

export const RAMP_BODY = object({ steps: STEPS, abortOn: ABORT_ON })

/** With sites: `force` on what opens a site that depends on others (src/admin/routes-sites.ts checkDependencies). */
export const FORCE = { type: 'boolean', description: 'open past closed dependencies (sites[].dependsOn): the ramp\'s steps, or the schedule\'s opening, do not wait for them; audited as forced' }

/** A body schema with `force` added: the calls take it only with sites. */
export function withForce (body: Schema): Schema {
  const properties = (body as { properties?: Record<string, unknown> }).properties ?? {}
  return { ...body, properties: { ...properties, force: FORCE } }
}

export const REASON_BODY = object({ reason: text(500) })

export const PROMOTE_BODY = object({ full: { type: 'boolean', description: 'go to 100 at once rather than to the next step' } })

export const SCHEDULE_BODY = object({
  closeAt: time('when the site closes, in the future'),
  openAt: time('when it holds, ramps or opens; after closeAt'),
  reason: text(500),
  then: { type: 'string', enum: ['hold', 'ramp', 'open'], description: 'what happens at openAt (default hold)' },
  ramp: object({ steps: STEPS, abortOn: ABORT_ON }, [], 'for then "ramp": the ramp to start at openAt')
}, ['closeAt'])

export const EXTEND_BODY = object({
  openAt: time('the new openAt'),
  by: duration('from 1 minute to 7 days, added to the current openAt')
}, [], 'exactly one of openAt or by')

export const ADMISSION_QUERY = object({
  ip: { type: 'string', minLength: 1, description: 'the client address to judge, such as 203.0.113.7' },
  key: { type: 'string', description: 'the value of the configured staged.keyHeader' },
  percent: { type: 'string', pattern: '^[0-9]{1,3}([.][0-9]{1,2})?$', description: 'a number from 0 to 100 with at most two decimals' },
  method: { type: 'string', pattern: '^[A-Za-z]{1,20}$', description: 'an HTTP method such as GET (default GET)' },
  path: { type: 'string', pattern: '^/', description: 'a path starting with "/" (default /)' }
}, ['ip'])
