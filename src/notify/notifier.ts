import type { GatekeeperEvent } from './events.js'
import { SIGNATURE_HEADER, signatureOf } from './signature.js'

export interface WebhookEndpoint {
  url: string
  secret: string
  /** event names, or prefixes such as "ramp.*"; null for every event */
  events: readonly string[] | null
}

export interface WebhooksConfig {
  endpoints: WebhookEndpoint[]
  /** one attempt, from connecting to the end of the answer */
  timeoutMs: number
  /** attempts after the first */
  retries: number
  /** the wait before the first retry; it doubles for each one after */
  backoffMs: number
  /** deliveries waiting per endpoint; past it, the oldest is dropped */
  queueSize: number
}

export interface DeliveryReport {
  url: string
  event: GatekeeperEvent
  attempts: number
  ok: boolean
  status?: number
  error?: string
}

/** How one attempt ended: a 2xx, another answer, or none (refused, reset, timed out, aborted). */
export type AttemptOutcome = 'ok' | 'rejected' | 'unanswered'

export interface NotifierStats {
  delivered: number
  failed: number
  retried: number
  dropped: number
  queued: number
  /** every attempt, first tries and retries alike */
  attempts: Record<AttemptOutcome, number>
}

export interface NotifierOptions {
  log: { warn (fields: Record<string, unknown>, message: string): void }
  /** a delivery that ran out of attempts (or was refused outright) */
  onGiveUp?: (report: DeliveryReport) => void
  /** every attempt as it finishes, for tests and logs */
  onAttempt?: (report: DeliveryReport) => void
}

/**
 * Webhooks that never hold up a change: `publish` only queues (a bounded
 * queue per endpoint, one delivery in flight each, in order) and returns.
 */
export interface Notifier {
  publish (events: readonly GatekeeperEvent[]): void
  stats (): NotifierStats
  /** Stops delivering: in-flight attempts are aborted and the queues dropped. */
  close (): Promise<void>
}

const MAX_BACKOFF_MS = 60_000

interface Queued { event: GatekeeperEvent, body: string }

interface Lane {
  endpoint: WebhookEndpoint
  queue: Queued[]
  draining: Promise<void> | null
}

function wants (endpoint: WebhookEndpoint, name: string): boolean {
  if (endpoint.events === null) return true
  return endpoint.events.some((pattern) => pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))))
}

/** Whether a failed attempt is worth repeating: no answer, a server error, or being asked to slow down. */
function retryable (status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429 || status === 408
}

export function createNotifier (config: WebhooksConfig, options: NotifierOptions): Notifier {
  const lanes: Lane[] = config.endpoints.map((endpoint) => ({ endpoint, queue: [], draining: null }))
  const inFlight = new Set<AbortController>()
  const waits = new Set<() => void>()
  const totals = { delivered: 0, failed: 0, retried: 0, dropped: 0 }
  const attemptCounts: Record<AttemptOutcome, number> = { ok: 0, rejected: 0, unanswered: 0 }
  let closed = false

  async function attempt (endpoint: WebhookEndpoint, item: Queued): Promise<{ ok: boolean, status?: number, error?: string }> {
    const controller = new AbortController()
    inFlight.add(controller)
    const timer = setTimeout(() => { controller.abort(new Error(`no answer within ${config.timeoutMs} ms`)) }, config.timeoutMs)
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: controller.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'gatekeeper-webhooks',
          'x-gatekeeper-event': item.event.event,
          'x-gatekeeper-delivery': item.event.id,
          [SIGNATURE_HEADER]: signatureOf(endpoint.secret, Math.floor(Date.now() / 1000), item.body)
        },
        body: item.body
      })
      // the answer is read to its end so the connection can be reused; its content is not needed
      await response.arrayBuffer()
      const ok = response.status >= 200 && response.status < 300
      return ok ? { ok, status: response.status } : { ok, status: response.status, error: `answered ${response.status}` }
    } catch (err) {
      const reason = controller.signal.aborted ? controller.signal.reason as Error : err as Error
      const cause = (err as { cause?: { code?: string } }).cause?.code
      return { ok: false, error: cause === undefined ? reason.message : `${reason.message} (${cause})` }
    } finally {
      clearTimeout(timer)
      inFlight.delete(controller)
    }
  }

  function pause (ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        waits.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      waits.add(done)
    })
  }

  async function deliver (lane: Lane, item: Queued): Promise<void> {
    const { endpoint } = lane
    for (let attempts = 1; ; attempts++) {
      const result = await attempt(endpoint, item)
      attemptCounts[result.ok ? 'ok' : result.status === undefined ? 'unanswered' : 'rejected']++
      const report: DeliveryReport = { url: endpoint.url, event: item.event, attempts, ...result }
      options.onAttempt?.(report)
      if (result.ok) {
        totals.delivered++
        return
      }
      if (closed) return
      if (attempts > config.retries || !retryable(result.status)) {
        totals.failed++
        options.log.warn({ url: endpoint.url, event: item.event.event, attempts, error: result.error }, 'webhook delivery gave up')
        options.onGiveUp?.(report)
        return
      }
      totals.retried++
      await pause(Math.min(MAX_BACKOFF_MS, config.backoffMs * 2 ** (attempts - 1)))
      if (closed) return
    }
  }

  async function drain (lane: Lane): Promise<void> {
    // a turn of the event loop first: the change that published this answers its caller before any delivery starts
    await new Promise((resolve) => setImmediate(resolve))
    for (;;) {
      const item = closed ? undefined : lane.queue.shift()
      if (item === undefined) break
      await deliver(lane, item)
    }
    lane.draining = null
  }

  return {
    publish (events) {
      if (closed || events.length === 0) return
      for (const event of events) {
        const body = JSON.stringify(event)
        for (const lane of lanes) {
          if (!wants(lane.endpoint, event.event)) continue
          if (lane.queue.length >= config.queueSize) {
            lane.queue.shift()
            totals.dropped++
          }
          lane.queue.push({ event, body })
          lane.draining ??= drain(lane)
        }
      }
    },
    stats () {
      let queued = 0
      for (const lane of lanes) queued += lane.queue.length
      return { ...totals, queued, attempts: { ...attemptCounts } }
    },
    async close () {
      closed = true
      for (const lane of lanes) lane.queue.length = 0
      for (const controller of inFlight) controller.abort(new Error('gatekeeper is stopping'))
      for (const wake of [...waits]) wake()
      await Promise.all(lanes.map((lane) => lane.draining))
    }
  }
}
