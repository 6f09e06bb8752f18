import type { Clock } from '../../src/reopen/clock.js'

/** A clock the test moves: timers fire when advance() passes their time, never by themselves. */
export interface ManualClock extends Clock {
  advance (ms: number): void
  /** timers still waiting */
  pending (): number
}

interface Timer { at: number, fn: () => void, seq: number }

/** Starts on a whole second, so the health gate's one-second buckets line up with what the test does. */
export function createManualClock (start = Math.ceil(Date.now() / 1000) * 1000): ManualClock {
  let now = start
  let seq = 0
  const timers: Timer[] = []
  return {
    now: () => now,
    after (ms, fn) {
      const timer = { at: now + Math.max(0, ms), fn, seq: seq++ }
      timers.push(timer)
      return () => {
        const i = timers.indexOf(timer)
        if (i !== -1) timers.splice(i, 1)
      }
    },
    advance (ms) {
      const target = now + ms
      for (;;) {
        let next: Timer | undefined
        for (const timer of timers) {
          if (timer.at <= target && (next === undefined || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer
        }
        if (next === undefined) break
        timers.splice(timers.indexOf(next), 1)
        now = Math.max(now, next.at)
        next.fn()
      }
      now = target
    },
    pending: () => timers.length
  }
}
