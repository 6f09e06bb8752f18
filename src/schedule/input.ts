import { futureTime } from '../input/body.js'
import { errors } from '../errors.js'
import { durationSeconds } from '../reopen/plan.js'
import { apiFail, rampPlanOf, type RampDefaults } from '../reopen/plan-input.js'
import type { HealthThresholds, ScheduleThen } from '../state/types.js'
import type { ScheduleInput } from './schedule.js'

/** `POST /v1/schedule`'s body, its shape already checked by its schema (src/admin/schemas-reopen.ts). */
export interface ScheduleBody {
  closeAt: string
  openAt?: string
  reason?: string
  then?: ScheduleThen
  ramp?: { steps?: unknown[], abortOn?: Partial<HealthThresholds> }
  /** with sites: open (or ramp) at openAt even while a dependency is closed */
  force?: boolean
}

/**
 * `POST /v1/schedule`: what its schema cannot say, checked before anything
 * is written, each refusal naming its field.
 */
export function scheduleInputOf (body: ScheduleBody, now: number, defaults: RampDefaults): ScheduleInput {
  const closeAt = futureTime(body.closeAt, 'body.closeAt', now) as string
  const openAt = futureTime(body.openAt, 'body.openAt', now)
  if (openAt !== undefined && Date.parse(openAt) <= Date.parse(closeAt)) {
    throw new errors.GK_ERR_BAD_TIME('body.openAt', `it (${openAt}) must be after body.closeAt (${closeAt})`)
  }
  const then = body.then ?? 'hold'
  if (then !== 'hold' && openAt === undefined) throw new errors.GK_ERR_BAD_COMBINATION(`body.then "${then}" needs body.openAt`)
  if (body.ramp !== undefined && then !== 'ramp') throw new errors.GK_ERR_BAD_COMBINATION('body.ramp is only for body.then "ramp"')
  const ramp = then === 'ramp' ? rampPlanOf(body.ramp ?? {}, defaults, 'ramp.') : undefined
  return {
    closeAt,
    ...(openAt === undefined ? {} : { openAt }),
    reason: body.reason ?? '',
    then,
    ...(ramp === undefined ? {} : { ramp }),
    ...(body.force === true ? { force: true } : {})
  }
}

/** `POST /v1/schedule/extend`: a new `openAt`, or `by` a duration from the current one. */
export function extensionOf (body: { openAt?: string, by?: number | string }, now: number): { openAt: string } | { bySeconds: number } {
  if ((body.openAt === undefined) === (body.by === undefined)) {
    throw new errors.GK_ERR_BAD_COMBINATION('give exactly one of body.openAt (an ISO 8601 time with a zone) or body.by (a duration such as "30m")')
  }
  if (body.openAt !== undefined) return { openAt: futureTime(body.openAt, 'body.openAt', now) as string }
  return { bySeconds: durationSeconds(body.by, 'by', apiFail, 60, 7 * 86400) }
}
