import { NOTHING_KNOWN, STATE_MISSING, STORE_UNREACHABLE } from '../state/own-reasons.js'
import type { Lease } from '../state/lease.js'
import { initialState } from '../state/initial.js'
import type { State } from '../state/types.js'
import type { InstanceRegistry } from './instances.js'
import type { Store } from './store.js'

/** The Redis store's types and its outage stand-ins: what other modules see of it. */

export type OnStoreFailure = 'last-known' | 'closed'

type LogFn = (fields: Record<string, unknown>, message: string) => void

export interface StoreLogger {
  info: LogFn
  warn: LogFn
  error: LogFn
  debug: LogFn
}

export interface RegistryOptions {
  /** how often this instance reports itself */
  heartbeatMs?: number
  /** an instance silent for this long is no longer live */
  staleMs?: number
}

export interface RedisStore extends Store {
  readonly kind: 'redis'
  /** The instances of this deployment, over this store's connections; closed with the store. */
  registry (options?: RegistryOptions): InstanceRegistry
  /**
   * Who drives ramps and schedules among the instances: held by one at a
   * time, for `ttlMs` after its last renewal (SET NX PX, renewed and
   * released only by its holder).
   */
  lease (name: string, ttlMs: number): Lease
}

/**
 * What an instance serves while the store is down with onStoreFailure
 * `closed`: the last state closed, its version unchanged (nothing was
 * stored), its allowlist and tokens kept so the people doing the upgrade
 * still get in.
 */
export function closedStandIn (state: State): State {
  return { ...state, mode: 'closed', percent: 0, reason: STORE_UNREACHABLE }
}

/**
 * What an instance stores then: closed, with no allowlist or tokens to trust,
 * at the version after the last one audited so the audit has no gap.
 */
export function closedAfterLostState (lastAudited: number): State {
  return { ...initialState('closed', STATE_MISSING), version: lastAudited + 1 }
}

export { NOTHING_KNOWN, STATE_MISSING, STORE_UNREACHABLE }
