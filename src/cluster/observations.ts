import type { Decision, Reason } from '../gate/decide.js'
import type { UpstreamObserver } from '../public/upstream-observer.js'
import type { ObservedMessage } from './messages.js'

/** How often a worker reports what it saw: the health gate judges windows of seconds, so a quarter second late is on time. */
export const OBSERVED_EVERY_MS = 250
/** A report goes at once when this many answers are waiting, so a burst never piles up. */
const MOST_WAITING = 8192

/**
 * A worker's decisions and upstream answers, gathered as they happen (a
 * count, or two numbers in a growing array) and sent to the primary in one
 * message a quarter second, where the metrics and the health gate are.
 */
export function createObservationBatch (send: (message: ObservedMessage) => void) {
  let decisions: Partial<Record<Reason, number>> = {}
  let responses: number[] = []
  let responseClients: Array<string | null> = []
  let responseNodes: Array<string | null> = []
  let failures: number[] = []
  let failureClients: Array<string | null> = []
  let failureNodes: Array<string | null> = []

  function flush (): void {
    if (responses.length === 0 && failures.length === 0 && Object.keys(decisions).length === 0) return
    send({ type: 'gk:observed', decisions, responses: Float64Array.from(responses), responseClients, responseNodes, failures: Float64Array.from(failures), failureClients, failureNodes })
    decisions = {}
    responses = []
    responseClients = []
    responseNodes = []
    failures = []
    failureClients = []
    failureNodes = []
  }

  const timer = setInterval(flush, OBSERVED_EVERY_MS)
  timer.unref()

  const upstream: UpstreamObserver = {
    response (status, latencyMs, client, node) {
      responses.push(status, latencyMs)
      responseClients.push(client)
      responseNodes.push(node ?? null)
      if (responses.length >= MOST_WAITING * 2) flush()
    },
    failure (timedOut, latencyMs, client, node) {
      failures.push(timedOut ? 1 : 0, latencyMs)
      failureClients.push(client)
      failureNodes.push(node ?? null)
      if (failures.length >= MOST_WAITING * 2) flush()
    }
  }

  return {
    onDecision (decision: Decision): void {
      decisions[decision.reason] = (decisions[decision.reason] ?? 0) + 1
    },
    upstream,
    flush,
    stop (): void {
      clearInterval(timer)
      flush()
    }
  }
}

/** The primary replays a worker's report into its own metrics and health recorder. */
export function replayObserved (message: ObservedMessage, onDecision: (decision: Decision) => void, upstream: UpstreamObserver): void {
  for (const [reason, count] of Object.entries(message.decisions) as Array<[Reason, number]>) {
    const decision: Decision = { pass: PASSING.has(reason), reason }
    for (let i = 0; i < count; i++) onDecision(decision)
  }
  const { responses, failures } = message
  const { responseClients, failureClients } = message
  const responseNodes = message.responseNodes ?? []
  const failureNodes = message.failureNodes ?? []
  for (let i = 0; i + 1 < responses.length; i += 2) upstream.response(responses[i] as number, responses[i + 1] as number, responseClients[i / 2] ?? null, responseNodes[i / 2] ?? undefined)
  for (let i = 0; i + 1 < failures.length; i += 2) upstream.failure(failures[i] === 1, failures[i + 1] as number, failureClients[i / 2] ?? null, failureNodes[i / 2] ?? undefined)
}

const PASSING = new Set<Reason>(['always-allow', 'open', 'allowlist', 'bypass', 'read-only-safe', 'staged-admitted'])
