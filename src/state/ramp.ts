/** Checks of a ramp read back from a store: a ramp the drivers cannot trust is refused, not guessed at. */

type Obj = Record<string, unknown>

function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTime (value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

function isShare (value: unknown): boolean {
  return typeof value === 'number' && value >= 0 && value <= 1
}

function isCount (value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

/** What is wrong with stored thresholds, or null. */
export function thresholdsProblem (value: unknown, key: string): string | null {
  if (!isObject(value)) return `"${key}" is not an object`
  if (value.action !== 'abort' && value.action !== 'hold') return `"${key}.action" is not abort or hold`
  const server = value.serverErrors
  const connection = value.connectionErrors
  const latency = value.latencyP99
  if (!isObject(server) || !isShare(server.maxShare) || !isCount(server.minSamples)) return `"${key}.serverErrors" is not {maxShare, minSamples}`
  if (!isObject(connection) || !isShare(connection.maxShare) || !isCount(connection.minSamples)) return `"${key}.connectionErrors" is not {maxShare, minSamples}`
  if (!isObject(latency) || !isCount(latency.maxMs) || !isCount(latency.minSamples)) return `"${key}.latencyP99" is not {maxMs, minSamples}`
  return null
}

/** What is wrong with stored steps, or null. */
export function stepsProblem (value: unknown, key: string): string | null {
  if (!Array.isArray(value) || value.length === 0) return `"${key}" is not a non-empty list`
  for (const [i, step] of value.entries()) {
    if (!isObject(step) || typeof step.percent !== 'number' || step.percent <= 0 || step.percent > 100 || !isCount(step.holdSeconds)) {
      return `"${key}[${i}]" is not a step {percent, holdSeconds}`
    }
  }
  return null
}

/** What is wrong with a stored ramp, or null. */
export function rampProblem (value: unknown): string | null {
  if (!isObject(value)) return '"ramp" is not an object'
  const steps = stepsProblem(value.steps, 'ramp.steps')
  if (steps !== null) return steps
  const count = (value.steps as unknown[]).length
  if (!isCount(value.index) || (value.index as number) >= count) return `"ramp.index" is not a step number below ${count}`
  if (typeof value.paused !== 'boolean') return '"ramp.paused" is not true or false'
  for (const key of ['startedAt', 'stepStartedAt', 'watchFrom']) {
    if (!isTime(value[key])) return `"ramp.${key}" is not a time`
  }
  if (typeof value.startedBy !== 'string') return '"ramp.startedBy" is not a string'
  if (value.nextAt !== undefined && !isTime(value.nextAt)) return '"ramp.nextAt" is not a time'
  if (value.remainingMs !== undefined && !isCount(value.remainingMs)) return '"ramp.remainingMs" is not a whole number'
  const thresholds = thresholdsProblem(value.abortOn, 'ramp.abortOn')
  if (thresholds !== null) return thresholds
  const ended = value.ended
  if (ended !== undefined) {
    if (!isObject(ended) || !isTime(ended.at) || typeof ended.reason !== 'string' || typeof ended.by !== 'string' ||
      !['completed', 'aborted', 'superseded'].includes(ended.outcome as string)) {
      return '"ramp.ended" is not {at, outcome, reason, by}'
    }
  }
  return null
}
