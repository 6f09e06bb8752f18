import { errors } from '../errors.js'
import { parseThresholds } from './thresholds.js'
import type { HealthThresholds, RampStep } from '../state/types.js'
import type { Fail } from '../input/fail.js'
import { parseSteps, type RampPlan } from './plan.js'

/** What a ramp falls back on when the call leaves something out: the configuration's. */
export interface RampDefaults {
  steps: RampStep[]
  thresholds: HealthThresholds
}

/** A field of an API body the schema let through but its meaning refuses: `body.steps[1].percent: must be above …`. */
export const apiFail: Fail = (key, why) => {
  throw new errors.GK_ERR_BAD_FIELD(`body.${key}`, why)
}

/** `{steps?, abortOn?}` from an API body; `prefix` names where it sits (`ramp.` inside a schedule). */
export function rampPlanOf (body: { steps?: unknown, abortOn?: unknown }, defaults: RampDefaults, prefix = ''): RampPlan {
  const steps = body.steps === undefined ? defaults.steps : parseSteps(body.steps, `${prefix}steps`, apiFail)
  const abortOn = parseThresholds(body.abortOn, `${prefix}abortOn`, defaults.thresholds, apiFail)
  return { steps, abortOn }
}
