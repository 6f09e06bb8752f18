import type { Lease } from '../reopen/lease.js'
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

export const STORE_UNREACHABLE = 'the state store is unreachable'

/**
 * What an instance serves while the store is down with onStoreFailure
 * `closed`: the last state closed, its version unchanged (nothing was
 * stored), its allowlist and tokens kept so the people doing the upgrade
 * still get in.
 */
export function closedStandIn (state: State): State {
  return { ...state, mode: 'closed', percent: 0, reason: STORE_UNREACHABLE }
}

/** The reason stored by an instance that found Redis empty after booting without it and without a local copy. */
export const NOTHING_KNOWN = 'the state was lost while the state store was unreachable; open the site again once it is safe'
