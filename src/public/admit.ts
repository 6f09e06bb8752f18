import type { Config } from '../config/config.js'
import { decide, isTester, type Decision, type RequestFacts } from '../gate/decide.js'
import type { GateSnapshot } from '../gate/snapshot.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { clientIpOf, factsOptionsOf, requestFacts, type GateRequest } from './request-facts.js'
import { stickyCookieHeader } from './sticky-cookie.js'

/** Reasons that admit the public; a tester's request passes for these too while open, so isTester() tells them apart. */
export const PUBLIC_REASONS: ReadonlySet<Decision['reason']> = new Set<Decision['reason']>(['open', 'staged-admitted', 'read-only-safe'])

/**
 * Whom a passed request is counted for. `public`: the gate let it through
 * because of its mode (open, the staged share, read-only's safe requests)
 * and the client is no tester, so a drain waits for it and a closing gate
 * cuts it. `tester`: it passes whatever the mode (an allowlisted address, a
 * bypass token, an always-allowed path), and is not counted.
 */
export type Audience = 'public' | 'tester'

/** The gate's answer to one request, with all it was given. */
export interface Admission {
  readonly snapshot: GateSnapshot
  readonly now: number
  readonly facts: RequestFacts
  readonly decision: Decision
  readonly audience: Audience
  /** the staged sticky cookie's Set-Cookie line, when one is due */
  readonly cookie: string | undefined
}

/** The one gate for every public request, plain HTTP or a WebSocket upgrade. */
export function createAdmit (config: Config, runtime: GateRuntime) {
  const factsOptions = factsOptionsOf(config, runtime.trustedProxies)
  const stickyName = config.staged.cookieName

  return function admit (request: GateRequest, now: number = Date.now()): Admission {
    const snapshot = runtime.current()
    const facts = requestFacts(request, clientIpOf(request, runtime.trustedProxies), factsOptions)
    const decision = decide(snapshot, facts, now)
    const audience: Audience = decision.pass && PUBLIC_REASONS.has(decision.reason) && !isTester(snapshot, facts, now) ? 'public' : 'tester'
    const cookie = decision.setSticky === true && decision.stickyId !== undefined ? stickyCookieHeader(stickyName, snapshot.seed, decision.stickyId) : undefined
    return Object.freeze({ snapshot, now, facts, decision, audience, cookie })
  }
}

export type Admit = ReturnType<typeof createAdmit>

/**
 * The gate asked again about facts gathered earlier: an open WebSocket or a
 * request in flight when the state changes, or the status poll asking for
 * the page's own navigation. The same pure decision as admit(), so the
 * public side reaches the gate through this module alone.
 */
export function judge (snapshot: GateSnapshot, facts: RequestFacts, now: number): Decision {
  return decide(snapshot, facts, now)
}
