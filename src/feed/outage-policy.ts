import { initialState } from '../state/initial.js'
import { STORE_UNREACHABLE } from '../state/own-reasons.js'
import type { State } from '../state/types.js'
import { createLocalCopy, type LocalCopy } from '../store/local-copy.js'
import { isStoreUnreachable, type Reachability, type Store, type StoreHealth } from '../store/store.js'

export type OnStoreFailure = 'last-known' | 'closed'

type LogFn = (fields: Record<string, unknown>, message: string) => void

export interface PolicyLogger {
  info: LogFn
  warn: LogFn
  error: LogFn
}

export interface OutagePolicyOptions {
  /** while the store is unreachable: keep serving the last state known, or serve it closed */
  onStoreFailure: OnStoreFailure
  /** where the last state known is kept on disk, for a boot while the store is down; none without */
  localCopyPath?: string
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

/** The store as the state feed sees it: what is in force here, whatever the store's reachability. */
export type PolicedStore = Omit<Store, 'subscribe'> & {
  /** Told each state to serve: stored ones, a closed stand-in while the store is down, the stored one again after. */
  subscribe (listener: (state: State) => void): void
}

/**
 * The outage policy, the same above every store: the last state learned is
 * kept (and copied to local disk); while the store says it cannot be
 * reached, either that state goes on being served or a closed stand-in
 * (same version: nothing was stored) takes its place; once the store is
 * back, what it holds is served again. A store that cannot be reached at
 * boot (and keeps trying) leaves the local copy to start from, else closed.
 *
 * Subscribers must take every state told: stale news is already dropped, and
 * a stand-in keeps the version it stands in for.
 */
export function withOutagePolicy (store: Store, options: OutagePolicyOptions, logger: PolicyLogger): PolicedStore {
  const { onStoreFailure } = options
  const localCopy: LocalCopy | null = options.localCopyPath === undefined
    ? null
    : createLocalCopy(options.localCopyPath, (err) => {
      logger.warn({ path: options.localCopyPath, err: err.message }, 'cannot write the local copy of the state')
    })
  const listeners: Array<(state: State) => void> = []
  /** the last state the store reported (or, at a boot without it, the local copy) */
  let known: State | null = null
  /** what the listeners have */
  let served: State | null = null
  /** `served` was never stored: it is a closed stand-in */
  let standIn = false
  let down = false
  let initialised = false

  function serve (state: State): void {
    served = state
    standIn = false
    emit(state)
  }

  function emit (state: State): void {
    for (const listener of listeners) {
      try {
        listener(state)
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'a state listener failed')
      }
    }
  }

  function learn (state: State): void {
    known = state
    localCopy?.write(state)
    if (down && onStoreFailure === 'closed') return
    serve(state)
  }

  function onReachability (report: Reachability): void {
    if (report.ok) {
      if (!down) return
      down = false
      if (standIn && known !== null) serve(known)
      return
    }
    if (down) return
    down = true
    const fields = { store: report.store, reason: report.reason }
    const consequence = onStoreFailure === 'closed'
      ? 'serving closed until it returns'
      : `keeping the last-known state${known === null ? '' : ` (version ${known.version})`}`
    if (report.corrupt) logger.error(fields, `the stored state cannot be used: ${consequence}; changes are refused`)
    else logger.warn(fields, `state store unreachable: ${consequence}; changes are refused`)
    if (onStoreFailure !== 'closed') return
    const base = served ?? known
    if (!initialised || standIn || base === null) return
    served = closedStandIn(base)
    standIn = true
    emit(served)
  }

  store.subscribe(learn, onReachability)

  /** The store could not be reached at boot and keeps trying: the local copy, else closed. */
  function bootWithoutStore (store: string, reason: string, local: State | null): State {
    down = true
    if (local !== null) {
      known = local
      served = onStoreFailure === 'closed' ? closedStandIn(local) : local
      standIn = onStoreFailure === 'closed'
    } else {
      served = initialState('closed', STORE_UNREACHABLE)
      standIn = true
    }
    logger.warn({ store, reason },
      `state store unreachable at start: ${standIn ? 'serving closed' : `serving the local copy (version ${local?.version ?? 0})`} until it returns; changes are refused`)
    return served
  }

  return {
    ...store,

    async init (initial) {
      let local: State | null = null
      let localError: Error | null = null
      try {
        local = localCopy === null ? null : await localCopy.read()
      } catch (err) {
        localError = err as Error
      }
      let stored: State
      try {
        stored = await store.init(initial, localError === null ? { lastKnown: local } : { lastKnown: null, unreadable: localError })
      } catch (err) {
        if (!isStoreUnreachable(err)) throw err
        if (localError !== null && localCopy !== null) {
          logger.error({ path: localCopy.path, err: localError.message }, 'the local copy of the state is unreadable')
        }
        initialised = true
        return bootWithoutStore(err.store, err.reason, local)
      }
      if (localError !== null && localCopy !== null) {
        logger.warn({ path: localCopy.path, err: localError.message }, 'the local copy of the state is unreadable; replacing it with the stored state')
      }
      known = stored
      served = stored
      initialised = true
      localCopy?.write(stored)
      return stored
    },

    subscribe (listener) {
      listeners.push(listener)
    },

    health (): StoreHealth {
      const health = store.health()
      if (!down) return health
      const serving = standIn
        ? 'serving closed'
        : `serving the last-known state${served === null ? '' : ` (version ${served.version})`}`
      return { ok: false, message: `${health.message ?? 'the state store is unavailable'}; ${serving}; changes are refused` }
    },

    async close () {
      await store.close()
      await localCopy?.flush()
    }
  }
}
