/**
 * Time as the drivers see it. Ramps, schedules and the health gate read the
 * clock and set their timers through this, so a test can move time forward
 * instead of sleeping through a hold.
 */
export interface Clock {
  now (): number
  /** Runs `fn` once after `ms`; the returned function cancels it. */
  after (ms: number, fn: () => void): () => void
}

/** setTimeout refuses delays above 2^31-1 ms; drivers sleep at most this long and look again. */
export const MAX_TIMER_MS = 60_000

export const systemClock: Clock = {
  now: () => Date.now(),
  after (ms, fn) {
    // a pending driver timer must not keep a stopping process alive
    const timer = setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)))
    timer.unref()
    return () => { clearTimeout(timer) }
  }
}

export function isoAt (ms: number): string {
  return new Date(ms).toISOString()
}
