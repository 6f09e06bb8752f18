import { readWholeSeconds, wholeSecondsRefusal } from '../state/duration.js'
import type { Fail } from '../input/fail.js'
import type { HealthThresholds, RampStep } from '../state/types.js'

/** What a ramp is asked to do: its steps and the health thresholds in force while it runs. */
export interface RampPlan {
  steps: RampStep[]
  abortOn: HealthThresholds
}

export const MAX_STEPS = 20
export const MAX_HOLD_SECONDS = 7 * 86400

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function shown (value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}

/** A duration in whole seconds, in the one grammar: 300, "90s", "5m", "1h30m", "PT5M". */
export function durationSeconds (value: unknown, key: string, fail: Fail, min = 1, max = MAX_HOLD_SECONDS): number {
  const reading = readWholeSeconds(value, min, max)
  if (!reading.ok) return fail(key, wholeSecondsRefusal(value, min, max, reading.reason))
  return reading.seconds
}

/** 0.01 to 100, two decimals at most: a step of 0 % would admit nobody and hold for nothing. */
function stepPercent (value: unknown, key: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 100 ||
    Math.abs(Math.round(value * 100) - value * 100) > 1e-6) {
    return fail(key, `must be a number above 0 and at most 100, two decimals at most, got ${shown(value)}`)
  }
  return Math.round(value * 100) / 100
}

/**
 * Ramp steps as `[{percent, hold}]`: percentages rising strictly (raising
 * never turns away a client already admitted), each with a hold but a last
 * step of 100 %, which opens the site and ends the ramp.
 */
export function parseSteps (value: unknown, key: string, fail: Fail): RampStep[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_STEPS) {
    return fail(key, `must be a list of 1 to ${MAX_STEPS} steps such as [{"percent": 5, "hold": "5m"}, {"percent": 100}], got ${shown(value)}`)
  }
  const steps: RampStep[] = []
  for (const [i, raw] of value.entries()) {
    const at = `${key}[${i}]`
    if (!isObject(raw)) return fail(at, `must be an object {percent, hold}, got ${shown(raw)}`)
    for (const name of Object.keys(raw)) {
      if (name !== 'percent' && name !== 'hold') fail(`${at}.${name}`, 'is not a field of a step (expected: percent, hold)')
    }
    const percent = stepPercent(raw.percent, `${at}.percent`, fail)
    const previous = steps[steps.length - 1]
    if (previous !== undefined && percent <= previous.percent) {
      fail(`${at}.percent`, `must be above the step before it (${previous.percent} %): a ramp only rises`)
    }
    const last = i === value.length - 1
    const holdSeconds = raw.hold === undefined && last && percent === 100
      ? 0
      : durationSeconds(raw.hold, `${at}.hold`, fail)
    steps.push({ percent, holdSeconds })
  }
  return steps
}
