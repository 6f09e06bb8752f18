import { NOTHING_KNOWN, STATE_MISSING, STORE_UNREACHABLE } from '../state/own-reasons.js'
import type { RedisLink } from './redis-connection.js'
import { initialState } from '../state/initial.js'
import type { State } from '../state/types.js'
import type { RegistryOptions, Store } from './store.js'

/** The Redis store's types and its outage stand-ins: what other modules see of it. */

type LogFn = (fields: Record<string, unknown>, message: string) => void

export interface StoreLogger {
  info: LogFn
  warn: LogFn
  error: LogFn
  debug: LogFn
}

export type { RegistryOptions }

/** Its registry runs over this store's connections; its lease is a key set NX PX, renewed and released only by its holder. */
export interface RedisStore extends Store {
  readonly kind: 'redis'
  /** the clients this store uses: the instance's timeline and its sites' stores open their keys on them */
  readonly link: RedisLink
}

/**
 * What an instance stores then: closed, with no allowlist or tokens to trust,
 * at the version after the last one audited so the audit has no gap.
 */
export function closedAfterLostState (lastAudited: number): State {
  return { ...initialState('closed', STATE_MISSING), version: lastAudited + 1 }
}

export { NOTHING_KNOWN, STATE_MISSING, STORE_UNREACHABLE }
