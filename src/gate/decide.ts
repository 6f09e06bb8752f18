import { bucketOf, clientIdOf, idFromStickyCookie } from './bucket.js'
import type { GateSnapshot } from './snapshot.js'
import { isWellFormedBypassToken, sha256Hex } from './token.js'

/** Why a request passed or was held: a label for logs and metrics. */
export type Reason =
  | 'always-allow' | 'open' | 'allowlist' | 'bypass' | 'read-only-safe' | 'staged-admitted'
  | 'closed' | 'read-only-unsafe' | 'staged-waiting'

/** What the gate knows of a request: gathered by the caller, so the decision stays pure. */
export interface RequestFacts {
  method: string
  /** the request target as received */
  url: string
  clientIp: string
  /** from the bypass header, else the bypass cookie */
  bypassToken: string | undefined
  /** the sticky cookie's raw value */
  stickyCookie: string | undefined
  /** the configured key header's value, when one is configured and the request came through a trusted proxy */
  stagedKey: string | undefined
  /** a WebSocket (or any protocol) upgrade: after its GET handshake it carries writes, so it is never a safe request */
  upgrade: boolean
  /** whether the request carries a body (Content-Length above 0, or Transfer-Encoding) */
  hasBody?: boolean
  /** the method a method-override header (X-HTTP-Method-Override and kin) asks the application to take it for */
  methodOverride?: string | undefined
}

export interface Decision {
  pass: boolean
  reason: Reason
  /** staged only: the client's id, and whether its sticky cookie must be (re)set */
  stickyId?: string
  setSticky?: boolean
}

const PASS_ALWAYS: Decision = Object.freeze({ pass: true, reason: 'always-allow' })
const PASS_OPEN: Decision = Object.freeze({ pass: true, reason: 'open' })
const PASS_ALLOWLIST: Decision = Object.freeze({ pass: true, reason: 'allowlist' })
const PASS_BYPASS: Decision = Object.freeze({ pass: true, reason: 'bypass' })
const PASS_SAFE: Decision = Object.freeze({ pass: true, reason: 'read-only-safe' })
const HOLD_CLOSED: Decision = Object.freeze({ pass: false, reason: 'closed' })
const HOLD_UNSAFE: Decision = Object.freeze({ pass: false, reason: 'read-only-unsafe' })

export function isSafeMethod (method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS'
}

/**
 * What read-only lets the public do: a safe method, with no body for the
 * application to act on, not asking (through a method-override header that
 * many frameworks honour) to be taken for a method that changes data.
 */
export function isReadOnlySafe (facts: RequestFacts): boolean {
  if (!isSafeMethod(facts.method) || facts.upgrade || facts.hasBody === true) return false
  return facts.methodOverride === undefined || isSafeMethod(facts.methodOverride.toUpperCase())
}

/** Whether `token` is a live bypass token of this state. */
export function bypassValid (snapshot: GateSnapshot, token: string | undefined, now: number): boolean {
  if (token === undefined || snapshot.tokens.size === 0 || !isWellFormedBypassToken(token)) return false
  const expiresAt = snapshot.tokens.get(sha256Hex(token))
  return expiresAt !== undefined && expiresAt > now
}

/** Whether the client would pass a closed gate: an allowlisted address or a live bypass token. */
export function isTester (snapshot: GateSnapshot, facts: RequestFacts, now: number): boolean {
  return (snapshot.allowlist.size > 0 && snapshot.allowlist.has(facts.clientIp, now)) || bypassValid(snapshot, facts.bypassToken, now)
}

/** The staged client's id: from its signed cookie if it has one, else from its key. */
export function stickyIdOf (snapshot: GateSnapshot, facts: RequestFacts): { id: string, fresh: boolean } {
  if (facts.stickyCookie !== undefined) {
    const id = idFromStickyCookie(snapshot.seed, facts.stickyCookie)
    if (id !== null) return { id, fresh: false }
  }
  const key = facts.stagedKey !== undefined && facts.stagedKey.length > 0 ? 'key:' + facts.stagedKey : 'ip:' + facts.clientIp
  return { id: clientIdOf(key), fresh: true }
}

/**
 * The gate, in DESIGN.md's order: always-allowed paths, open, allowlist,
 * bypass token, read-only, staged, closed. Gatekeeper's own paths never
 * reach here.
 */
export function decide (snapshot: GateSnapshot, facts: RequestFacts, now: number): Decision {
  if (snapshot.alwaysAllow !== null && snapshot.alwaysAllow(facts.url)) return PASS_ALWAYS
  if (snapshot.mode === 'open') return PASS_OPEN
  if (snapshot.allowlist.size > 0 && snapshot.allowlist.has(facts.clientIp, now)) return PASS_ALLOWLIST
  if (bypassValid(snapshot, facts.bypassToken, now)) return PASS_BYPASS
  if (snapshot.mode === 'read-only') return isReadOnlySafe(facts) ? PASS_SAFE : HOLD_UNSAFE
  if (snapshot.mode === 'staged') {
    const { id, fresh } = stickyIdOf(snapshot, facts)
    const pass = snapshot.threshold > 0 && bucketOf(snapshot.seed, id) < snapshot.threshold
    return { pass, reason: pass ? 'staged-admitted' : 'staged-waiting', stickyId: id, setSticky: fresh }
  }
  return HOLD_CLOSED
}
