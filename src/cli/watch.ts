import type { AdminClient } from './client.js'
import type { Invocation } from './command.js'
import { cliErrors } from './errors.js'
import { humanDuration, isRecord } from './format.js'
import { createProgress } from './progress.js'

export interface WatchOptions {
  /** stop after this long; undefined watches until Ctrl-C or `finished` */
  forMs: number | undefined
  intervalMs: number
  /** the progress line for a state */
  describe (state: Record<string, unknown>): string
  /** the watch ends by itself when this holds (a ramp that completed or aborted) */
  finished? (state: Record<string, unknown>): boolean
}

export interface WatchResult {
  state: Record<string, unknown>
  finished: boolean
}

/**
 * Re-reads the state until it is finished, the time is up or the user hits
 * Ctrl-C, drawing one progress line on stderr. Once the first read worked, an
 * unreachable API only shows as a line and is retried: a watch over a ramp
 * must outlive the restart of an instance.
 */
export async function watchState (inv: Invocation, options: WatchOptions): Promise<WatchResult> {
  const { io, client } = inv
  const started = io.now()
  const deadline = options.forMs === undefined ? Number.POSITIVE_INFINITY : started + options.forMs
  const progress = createProgress(io.progressStream)
  let state = await readState(client)
  try {
    for (;;) {
      const finished = options.finished?.(state) ?? false
      progress.update(options.describe(state), humanDuration(io.now() - started))
      if (finished) return { state, finished: true }
      const left = deadline - io.now()
      if (left <= 0 || io.interrupted.aborted) return { state, finished: false }
      await pause(Math.min(options.intervalMs, left), io.interrupted)
      if (io.interrupted.aborted) return { state, finished: false }
      try {
        state = await readState(client)
      } catch (err) {
        if (io.interrupted.aborted) return { state, finished: false }
        if (!(err instanceof Error && (err as { code?: string }).code === 'GK_ERR_ADMIN_UNREACHABLE')) throw err
        progress.update(`${err.message}; retrying`, humanDuration(io.now() - started))
      }
    }
  } finally {
    progress.done()
  }
}

async function readState (client: AdminClient): Promise<Record<string, unknown>> {
  const answer = await client.call('GET', '/v1/state')
  if (!isRecord(answer.body)) throw new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`${client.where} answered GET /v1/state without a state`)
  return answer.body
}

function pause (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done (): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
