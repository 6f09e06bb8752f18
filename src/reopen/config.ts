import type { RampStep } from '../state/types.js'
import type { Fail } from '../input/fail.js'
import { parseSteps } from './plan.js'

export interface RampConfig {
  /** the steps of a ramp started without any (and of a schedule's `then: ramp`) */
  steps: RampStep[]
  /** how soon an instance that does not hold the lease looks again */
  leaseRetryMs: number
}

export const DEFAULT_STEPS: RampStep[] = [
  { percent: 5, holdSeconds: 300 },
  { percent: 25, holdSeconds: 600 },
  { percent: 100, holdSeconds: 0 }
]

/** `ramp:` in the configuration. */
export function parseRampConfig (value: unknown, fail: Fail): RampConfig {
  if (value === undefined || value === null) return { steps: DEFAULT_STEPS, leaseRetryMs: 1000 }
  if (typeof value !== 'object' || Array.isArray(value)) return fail('ramp', `must be a mapping such as {steps: [{percent: 5, hold: 5m}, {percent: 100}]}, got ${JSON.stringify(value)}`)
  const raw = value as Record<string, unknown>
  for (const key of Object.keys(raw)) {
    if (key !== 'steps' && key !== 'leaseRetryMs') fail(`ramp.${key}`, 'is not a known setting (known: steps, leaseRetryMs)')
  }
  const retry = raw.leaseRetryMs ?? 1000
  if (typeof retry !== 'number' || !Number.isInteger(retry) || retry < 100 || retry > 60000) {
    fail('ramp.leaseRetryMs', `must be a whole number from 100 to 60000, got ${JSON.stringify(retry)}`)
  }
  return {
    steps: raw.steps === undefined ? DEFAULT_STEPS : parseSteps(raw.steps, 'ramp.steps', fail),
    leaseRetryMs: retry as number
  }
}
