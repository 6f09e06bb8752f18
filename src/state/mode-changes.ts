import { newSeed } from './initial.js'
import type { Mode, State } from './types.js'

export interface ModeChange {
  mode: Mode
  percent?: number
  reason?: string
  until?: string
  retryAfter?: number
}

/**
 * The next state for a change of mode. Leaving `open` starts a new window
 * with a new seed, so each upgrade reshuffles who is let in first; moving
 * between closed, read-only and staged keeps the window and its buckets, so
 * raising the percentage never turns away a client already admitted.
 */
export function withMode (current: State, change: ModeChange, now: number): State {
  const at = new Date(now).toISOString()
  if (change.mode === 'open') {
    const { retryAfter: _dropped, ...rest } = current
    return { ...rest, mode: 'open', percent: 100, reason: '', window: {} }
  }
  const newWindow = current.mode === 'open'
  const window = newWindow ? { start: at } : { ...current.window }
  if (change.until !== undefined) window.end = change.until
  const next: State = {
    ...current,
    mode: change.mode,
    percent: change.mode === 'staged' ? (change.percent ?? 0) : 0,
    reason: change.reason ?? (newWindow ? '' : current.reason),
    window,
    seed: newWindow ? newSeed() : current.seed
  }
  if (change.retryAfter !== undefined) next.retryAfter = change.retryAfter
  return next
}
