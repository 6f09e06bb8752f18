import type { ReloadBy, ReloadOutcome } from '../reload/reloader.js'
import { notifySystemd } from './systemd-notify.js'

type Notify = (fields: Record<string, string>) => Promise<void>

/** CLOCK_MONOTONIC in microseconds, as systemd's MONOTONIC_USEC wants it (Node's hrtime reads that clock). */
function monotonicUsec (): string {
  return String(process.hrtime.bigint() / 1000n)
}

/**
 * SIGHUP reloads the configuration (ExecReload=/bin/kill -HUP $MAINPID).
 * systemd (≥ 253, Type=notify) is told RELOADING=1 with the monotonic time
 * when it starts and READY=1 when it is over, refused or not: a refused
 * reload leaves the running configuration in force. The signal never ends
 * the process; signals that arrive during a reload are queued by the reload.
 */
export function reloadOnSighup (reload: (by: ReloadBy) => Promise<ReloadOutcome>, write: (line: string) => void, notify: Notify = notifySystemd): void {
  process.on('SIGHUP', () => {
    notify({ RELOADING: '1', MONOTONIC_USEC: monotonicUsec(), STATUS: 'reloading the configuration' }).catch(() => {})
      .then(async () => await reload({ actor: 'SIGHUP', ip: '', via: 'signal' }))
      .then((outcome) => {
        if (!outcome.ok) write(`gatekeeper: ${outcome.error.code}: ${outcome.error.message}\n`)
        return notify({ READY: '1', STATUS: outcome.ok ? 'serving' : 'serving; the last reload was refused' })
      }, (err: unknown) => {
        write(`gatekeeper: the reload failed: ${(err as Error).message}\n`)
        return notify({ READY: '1', STATUS: 'serving; the last reload failed' })
      })
      .catch(() => {})
  })
}
