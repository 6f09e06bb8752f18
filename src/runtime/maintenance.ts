import { errorBody } from '../errors-reply.js'
import type { State } from '../state/types.js'
import { OPERATOR_ONLY_REASONS } from '../state/own-reasons.js'

/** What the public is told while it waits: the same facts for the page, the JSON and the headers. */
export interface MaintenanceFacts {
  reason: string
  /** ISO 8601 expected end, or '' when unknown */
  eta: string
  /** seconds for Retry-After */
  retryAfter: number
}

export const DEFAULT_REASON = 'The site is being upgraded.'

/**
 * What the public may read of the state's reason: the reasons Gatekeeper
 * writes itself when its store fails are for the operator (the admin API,
 * /healthz, the logs); the public gets neutral words, never a word about the
 * infrastructure.
 */
function publicReason (reason: string): string {
  return reason.length === 0 || OPERATOR_ONLY_REASONS.has(reason) ? DEFAULT_REASON : reason
}

/** The expected end counts down to the second; without one, the configured or stated hint holds. */
export function maintenanceFacts (state: State, defaultRetryAfter: number, now: number): MaintenanceFacts {
  const end = state.window.end === undefined ? NaN : Date.parse(state.window.end)
  const retryAfter = Number.isFinite(end) && end > now
    ? Math.max(1, Math.ceil((end - now) / 1000))
    : (state.retryAfter ?? defaultRetryAfter)
  return {
    reason: publicReason(state.reason),
    eta: Number.isFinite(end) ? new Date(end).toISOString() : '',
    retryAfter
  }
}

/** How long a page without JavaScript waits before it asks again: soon, but not a stampede. */
export function refreshSecondsOf (retryAfter: number): number {
  return Math.min(Math.max(retryAfter, 15), 120)
}

export function etaTextOf (eta: string): string {
  if (eta === '') return ''
  const date = new Date(eta)
  return date.toISOString().replace('T', ' ').slice(0, 16) + ' UTC'
}

/**
 * The JSON body of the maintenance response (DESIGN.md's shape): the error
 * shape, though it is no error (the code is not in the table: the message is
 * the operator's reason, word for word), with when to come back.
 */
export function maintenanceJson (statusCode: number, facts: MaintenanceFacts): string {
  return JSON.stringify(errorBody(statusCode, 'GK_MAINTENANCE', facts.reason, { retryAfter: facts.retryAfter, eta: facts.eta === '' ? null : facts.eta }))
}

/** Whether the client prefers JSON to HTML, by its Accept header. */
export function prefersJson (accept: string | undefined): boolean {
  if (accept === undefined) return false
  const json = accept.indexOf('application/json')
  if (json === -1) return false
  const html = accept.indexOf('text/html')
  return html === -1 || json < html
}
