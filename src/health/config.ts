import type { Fail } from '../input/fail.js'
import type { HealthThresholds } from '../state/types.js'
import { DEFAULT_THRESHOLDS, parseThresholds } from '../reopen/thresholds.js'

export interface HealthGateConfig {
  enabled: boolean
  /** the sliding window judged, in seconds */
  windowSeconds: number
  /** how often the window is judged while staged */
  evaluateEveryMs: number
  /** the most answers one client counts for in the window, per instance */
  perClientSamples: number
  /** the error shares are judged only once failures come from this many clients */
  minFailingClients: number
  /** in force for plain staging, and the defaults of every ramp's abortOn */
  thresholds: HealthThresholds
}

const OWN_KEYS = ['enabled', 'windowSeconds', 'evaluateEveryMs', 'perClientSamples', 'minFailingClients'] as const

function whole (value: unknown, key: string, fallback: number, min: number, max: number, fail: Fail): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

/** `healthGate:` in the configuration. */
export function parseHealthGate (value: unknown, fail: Fail): HealthGateConfig {
  const thresholds = parseThresholds(value, 'healthGate', DEFAULT_THRESHOLDS, fail, OWN_KEYS)
  const raw = (value ?? {}) as Record<string, unknown>
  const enabled = raw.enabled ?? true
  if (typeof enabled !== 'boolean') fail('healthGate.enabled', `must be true or false, got ${JSON.stringify(enabled)}`)
  return {
    enabled: enabled as boolean,
    windowSeconds: whole(raw.windowSeconds, 'healthGate.windowSeconds', 30, 5, 600, fail),
    evaluateEveryMs: whole(raw.evaluateEveryMs, 'healthGate.evaluateEveryMs', 1000, 100, 60000, fail),
    perClientSamples: whole(raw.perClientSamples, 'healthGate.perClientSamples', 5, 1, 1_000_000, fail),
    minFailingClients: whole(raw.minFailingClients, 'healthGate.minFailingClients', 3, 1, 10_000, fail),
    thresholds
  }
}
