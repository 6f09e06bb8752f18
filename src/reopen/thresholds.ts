import type { Fail } from '../input/fail.js'
import type { HealthThresholds } from '../state/types.js'

export const DEFAULT_THRESHOLDS: HealthThresholds = {
  action: 'abort',
  serverErrors: { maxShare: 0.05, minSamples: 20 },
  connectionErrors: { maxShare: 0.05, minSamples: 20 },
  latencyP99: { maxMs: 5000, minSamples: 50 }
}

const FIGURES = ['serverErrors', 'connectionErrors', 'latencyP99'] as const

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function shown (value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}

function share (value: unknown, key: string, fallback: number, fail: Fail): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    return fail(key, `must be a share from 0 to 1 (0.05 is 5 %), got ${shown(value)}`)
  }
  return value
}

function whole (value: unknown, key: string, fallback: number, min: number, max: number, fail: Fail): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(key, `must be a whole number from ${min} to ${max}, got ${shown(value)}`)
  }
  return value
}

function section (raw: Record<string, unknown>, name: string, key: string, known: readonly string[], fail: Fail): Record<string, unknown> {
  const value = raw[name]
  if (value === undefined || value === null) return {}
  if (!isObject(value)) return fail(`${key}.${name}`, `must be an object, got ${shown(value)}`)
  for (const field of Object.keys(value)) {
    if (!known.includes(field)) fail(`${key}.${name}.${field}`, `is not a known setting (known: ${known.join(', ')})`)
  }
  return value
}

/**
 * Thresholds from `raw` over `defaults`: the config's healthGate over the
 * built-in ones, a ramp's abortOn over the config's. Unknown keys are refused.
 */
export function parseThresholds (value: unknown, key: string, defaults: HealthThresholds, fail: Fail, extraKeys: readonly string[] = []): HealthThresholds {
  if (value === undefined || value === null) return defaults
  if (!isObject(value)) return fail(key, `must be an object such as {"serverErrors": {"maxShare": 0.05}}, got ${shown(value)}`)
  const known = ['action', ...FIGURES, ...extraKeys]
  for (const field of Object.keys(value)) {
    if (!known.includes(field)) fail(`${key}.${field}`, `is not a known setting (known: ${known.join(', ')})`)
  }
  const action = value.action ?? defaults.action
  if (action !== 'abort' && action !== 'hold') fail(`${key}.action`, `must be "abort" or "hold", got ${shown(action)}`)
  const server = section(value, 'serverErrors', key, ['maxShare', 'minSamples'], fail)
  const connection = section(value, 'connectionErrors', key, ['maxShare', 'minSamples'], fail)
  const latency = section(value, 'latencyP99', key, ['maxMs', 'minSamples'], fail)
  return {
    action: action as HealthThresholds['action'],
    serverErrors: {
      maxShare: share(server.maxShare, `${key}.serverErrors.maxShare`, defaults.serverErrors.maxShare, fail),
      minSamples: whole(server.minSamples, `${key}.serverErrors.minSamples`, defaults.serverErrors.minSamples, 1, 1_000_000, fail)
    },
    connectionErrors: {
      maxShare: share(connection.maxShare, `${key}.connectionErrors.maxShare`, defaults.connectionErrors.maxShare, fail),
      minSamples: whole(connection.minSamples, `${key}.connectionErrors.minSamples`, defaults.connectionErrors.minSamples, 1, 1_000_000, fail)
    },
    latencyP99: {
      maxMs: whole(latency.maxMs, `${key}.latencyP99.maxMs`, defaults.latencyP99.maxMs, 1, 600_000, fail),
      minSamples: whole(latency.minSamples, `${key}.latencyP99.minSamples`, defaults.latencyP99.minSamples, 1, 1_000_000, fail)
    }
  }
}
