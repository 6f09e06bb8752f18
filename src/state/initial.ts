import { randomBytes } from 'node:crypto'
import type { Mode, State } from './types.js'

/** A fresh per-window seed for the staged buckets. */
export function newSeed (): string {
  return randomBytes(12).toString('base64url')
}

/** The state of a deployment that has never stored one. */
export function initialState (mode: Mode, reason: string, at: Date = new Date()): State {
  return {
    version: 0,
    mode,
    percent: mode === 'open' ? 100 : 0,
    reason,
    window: {},
    seed: newSeed(),
    allowlist: [],
    tokens: [],
    nodes: {},
    updatedAt: at.toISOString(),
    updatedBy: 'gatekeeper'
  }
}
