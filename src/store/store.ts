import { errors } from '../errors.js'
import type { Lease } from '../state/lease.js'
import type { AuditEntry, ChangeContext, State } from '../state/types.js'
import type { InstanceRegistry } from './instances.js'

/**
 * Computes the next state from the current one. It may throw a
 * GatekeeperError to refuse the change; then nothing is written. The store
 * bumps `version` and sets `updatedAt`/`updatedBy` itself.
 */
export type Mutation = (current: State) => State

export interface RegistryOptions {
  /** how often this instance reports itself */
  heartbeatMs?: number
  /** an instance silent for this long is no longer live */
  staleMs?: number
}

export interface StoreHealth {
  ok: boolean
  /** why the store is unhealthy, for /healthz */
  message?: string
}

/** A store that can be out of reach says so, and says when it is back (the file store never is). */
export type Reachability =
  | { ok: true, store: string }
  | { ok: false, store: string, reason: string, corrupt: boolean }

/** What this instance knew before it started, from its local copy: a shared store found empty gets it back. */
export interface InitHint {
  lastKnown: State | null
  /** the local copy exists but cannot be trusted */
  unreadable?: Error
}

/** Thrown by init() when the store cannot be reached yet: it keeps trying, and reports when it is back. */
export interface StoreUnreachable extends Error {
  readonly keepsTrying: true
  readonly store: string
  readonly reason: string
}

export function unreachableAtStart (store: string, reason: string): StoreUnreachable {
  const err = new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${store} cannot be reached at start (${reason}); it keeps trying`)
  return Object.assign(err, { keepsTrying: true as const, store, reason })
}

export function isStoreUnreachable (err: unknown): err is StoreUnreachable {
  return err instanceof Error && (err as Partial<StoreUnreachable>).keepsTrying === true
}

/** What writers (admin routes, ramps, schedules, the health gate) see: the state feed, above the store. */
export type StateWriter = Pick<Store, 'kind' | 'update' | 'note' | 'readAudit' | 'health'>

/**
 * Where the state lives. The file store is the embedded default, the Redis
 * store shares one state between instances. Both keep the audit log.
 */
export interface Store {
  readonly kind: 'file' | 'redis'
  /**
   * Stores `initial` when nothing is stored yet, and returns what is stored.
   * Throws GK_ERR_STORE_CORRUPT when the stored state is unreadable: the
   * caller must not start serving on a guess. A shared store that cannot be
   * reached throws a StoreUnreachable and keeps trying; `hint` is what it
   * stores should it then be found empty.
   */
  init (initial: State, hint?: InitHint): Promise<State>
  /**
   * Applies a mutation atomically and appends its audit entry. With
   * `expectedVersion`, fails with GK_ERR_VERSION_MISMATCH (412) when the
   * stored version differs. Returns the state as written.
   */
  update (ctx: ChangeContext, mutation: Mutation, expectedVersion?: number): Promise<State>
  /** Appends an audit entry that changes no state (a failed firewall apply, a webhook that gave up…). */
  note (ctx: ChangeContext, detail: Record<string, unknown>): Promise<void>
  /** Newest first. */
  readAudit (limit: number): Promise<AuditEntry[]>
  /**
   * Called with every state written by anyone (this instance included), and
   * with each change of reachability. Never stale: a listener takes every
   * state it is told, which after the store lost its data may be a lower
   * version. The outage policy (src/feed/) decides what is served meanwhile.
   */
  subscribe (listener: (state: State) => void, reachability?: (report: Reachability) => void): void
  health (): StoreHealth
  /**
   * The instances sharing this state, closed with the store. On the file
   * store, this process alone; on Redis, every instance reporting there.
   */
  registry (options?: RegistryOptions): InstanceRegistry
  /**
   * Who drives ramps and schedules among the instances: held by one at a
   * time, for `ttlMs` after its last renewal. The file store's is always
   * held (one process owns the state file).
   */
  lease (name: string, ttlMs: number): Lease
  close (): Promise<void>
}
