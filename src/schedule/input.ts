import { bodyOf, futureTime, optionalText } from '../input/body.js'
import { errors } from '../errors.js'
import { durationSeconds } from '../reopen/plan.js'
import { apiFail, rampPlanOf, type RampDefaults } from '../reopen/plan-input.js'
import type { ScheduleThen } from '../state/types.js'
import type { ScheduleInput } from './schedule.js'

const THEN: readonly ScheduleThen[] = ['hold', 'ramp', 'open']

/**
 * `POST /v1/schedule`: every field is checked before anything is written,
 * and each refusal names its field.
 */
export function scheduleInputOf (raw: unknown, now: number, defaults: RampDefaults): ScheduleInput {
  const body = bodyOf(raw, ['closeAt', 'openAt', 'reason', 'then', 'ramp'])
  if (body.closeAt === undefined) throw new errors.GK_ERR_BAD_TIME('"closeAt" is required: an ISO 8601 time with a zone, such as 2026-11-22T01:00:00+01:00')
  const closeAt = futureTime(body, 'closeAt', now) as string
  const openAt = futureTime(body, 'openAt', now)
  if (openAt !== undefined && Date.parse(openAt) <= Date.parse(closeAt)) {
    throw new errors.GK_ERR_BAD_TIME(`"openAt" (${openAt}) must be after "closeAt" (${closeAt})`)
  }
  const reason = optionalText(body, 'reason') ?? ''
  const then = body.then ?? 'hold'
  if (typeof then !== 'string' || !THEN.includes(then as ScheduleThen)) {
    throw new errors.GK_ERR_BAD_REQUEST(`"then" must be one of ${THEN.join(', ')}, got ${JSON.stringify(then)}`)
  }
  if (then !== 'hold' && openAt === undefined) throw new errors.GK_ERR_BAD_REQUEST(`"openAt" is required when "then" is "${then}"`)
  if (body.ramp !== undefined && then !== 'ramp') throw new errors.GK_ERR_BAD_REQUEST('"ramp" is only for "then": "ramp"')
  let ramp
  if (then === 'ramp') {
    const rampBody = bodyOf(body.ramp, ['steps', 'abortOn'])
    ramp = rampPlanOf(rampBody, defaults, 'ramp.')
  }
  return {
    closeAt,
    ...(openAt === undefined ? {} : { openAt }),
    reason,
    then: then as ScheduleThen,
    ...(ramp === undefined ? {} : { ramp })
  }
}

/** `POST /v1/schedule/extend`: a new `openAt`, or `by` a duration from the current one. */
export function extensionOf (raw: unknown, now: number): { openAt: string } | { bySeconds: number } {
  const body = bodyOf(raw, ['openAt', 'by'])
  if ((body.openAt === undefined) === (body.by === undefined)) {
    throw new errors.GK_ERR_BAD_REQUEST('give exactly one of "openAt" (an ISO 8601 time with a zone) or "by" (a duration such as "30m")')
  }
  if (body.openAt !== undefined) return { openAt: futureTime(body, 'openAt', now) as string }
  return { bySeconds: durationSeconds(body.by, 'by', apiFail, 60, 7 * 86400) }
}
