import { stepsProblem, thresholdsProblem } from './ramp.js'

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime (value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

/** What is wrong with a schedule read back from a store, or null. */
export function scheduleProblem (value: unknown): string | null {
  if (!isObject(value)) return '"schedule" is not an object'
  if (!isTime(value.closeAt)) return '"schedule.closeAt" is not a time'
  if (value.openAt !== undefined && !isTime(value.openAt)) return '"schedule.openAt" is not a time'
  if (typeof value.reason !== 'string') return '"schedule.reason" is not a string'
  if (value.then !== 'hold' && value.then !== 'ramp' && value.then !== 'open') return '"schedule.then" is not hold, ramp or open'
  if (value.phase !== 'pending' && value.phase !== 'closed') return '"schedule.phase" is not pending or closed'
  if (value.ramp !== undefined) {
    if (!isObject(value.ramp)) return '"schedule.ramp" is not an object'
    const problem = stepsProblem(value.ramp.steps, 'schedule.ramp.steps') ?? thresholdsProblem(value.ramp.abortOn, 'schedule.ramp.abortOn')
    if (problem !== null) return problem
  }
  if (typeof value.createdBy !== 'string' || !isTime(value.createdAt)) return '"schedule" lacks createdBy or createdAt'
  return null
}
