import { notifySystemd } from './systemd-notify.js'

type Notify = (fields: Record<string, string>) => Promise<void>

/**
 * The interval of systemd's watchdog pings, or null when none is asked for:
 * half of WATCHDOG_USEC, and only in the process WATCHDOG_PID names (when it
 * names one), so the workers of `workers: N` never ping for the primary.
 */
export function watchdogIntervalMs (env: NodeJS.ProcessEnv, pid: number = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC)
  if (env.WATCHDOG_USEC === undefined || !Number.isInteger(usec) || usec <= 0) return null
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null
  return Math.max(1, Math.floor(usec / 2000))
}

/**
 * Pings systemd's watchdog (`WATCHDOG=1`) every WatchdogSec/2 while the
 * process is healthy. Healthy means: the event loop runs (the timer fires at
 * all), and the store answered the probe started at the previous tick — an
 * answer or a refusal alike. A store that refuses (Redis down) is not a
 * reason to restart: the gate then serves the last-known state, and a
 * restart would only lose it. A store call that hangs for a whole interval
 * is: the ping is skipped, and systemd restarts the service once
 * WatchdogSec passes without one. Returns a stop function, or null when no
 * watchdog is asked for.
 */
export function startWatchdog (probe: () => Promise<unknown>, env: NodeJS.ProcessEnv = process.env, notify: Notify = (fields) => notifySystemd(fields, env)): (() => void) | null {
  const every = watchdogIntervalMs(env)
  if (every === null) return null
  let answered = false
  let pending = false
  const ask = (): void => {
    pending = true
    answered = false
    probe().then(() => { answered = true }, () => { answered = true }).finally(() => { pending = false })
  }
  ask()
  const timer = setInterval(() => {
    if (answered) notify({ WATCHDOG: '1' }).catch(() => {})
    if (!pending) ask()
  }, every)
  timer.unref()
  return () => { clearInterval(timer) }
}
