import { errors, isGatekeeperError } from '../errors.js'
import { buildAuditEntry, stampState } from '../state/audit.js'
import { initialState } from '../state/initial.js'
import type { AuditEntry, ChangeContext, State } from '../state/types.js'
import { parseStoredState } from '../state/validate.js'
import type { InstanceRegistry } from './instances.js'
import type { RedisStoreConfig } from './redis-config.js'
import { asStoreError, createRedisLink, storeUnavailable, withConsequence, type RedisLink } from './redis-connection.js'
import { createRedisAudit } from './redis-audit.js'
import { createRedisLease } from './redis-lease.js'
import { createRedisRegistry } from './redis-instances.js'
import { compareAndSet, storeUnlessPresent } from './redis-scripts.js'
import { unreachableAtStart, type InitHint, type Mutation, type Reachability, type StoreHealth } from './store.js'
import { NOTHING_KNOWN, STATE_MISSING, STORE_UNREACHABLE, closedAfterLostState, type RedisStore, type StoreLogger } from './redis-store-types.js'

export { NOTHING_KNOWN, STATE_MISSING, STORE_UNREACHABLE } from './redis-store-types.js'
export type { RedisStore, RegistryOptions, StoreLogger } from './redis-store-types.js'

/** A compare-and-set without If-Match is retried on a fresh read; this bounds a pathological race. */
const MAX_ATTEMPTS = 10

function sameDocument (a: State, b: State): boolean {
  return a.version === b.version && a.updatedAt === b.updatedAt
}

/** Serving the closed state stored for a lost one: reachable, but /healthz says why the site is closed. */
function lostState (known: State | null): StoreHealth {
  if (known?.updatedBy === 'gatekeeper' && known.reason === STATE_MISSING) {
    return { ok: true, message: `the state store held an audit history but no state document: the state was stored closed at version ${known.version}; open the site again on purpose once it is safe` }
  }
  return { ok: true }
}

function isCorrupt (err: unknown): boolean {
  return isGatekeeperError(err) && err.code === 'GK_ERR_STORE_CORRUPT'
}

/**
 * The shared store: the state as one JSON document in Redis, changed by a
 * compare-and-set script that also appends the audit entry and publishes
 * the new state. A published message makes each instance read the state
 * key (the message itself is never trusted); each also re-reads every
 * `resyncIntervalMs` in case it missed one. It tells its listeners each new
 * state and each change of reachability; what to serve meanwhile is the
 * outage policy's (src/feed/outage-policy.ts), as is the local copy.
 */
export function createRedisStore (config: RedisStoreConfig, logger: StoreLogger, shared?: RedisLink): RedisStore {
  // a site's store is opened on the instance's clients (the main store's); the main store makes them and closes them
  const link = shared ?? createRedisLink(config)
  const connection = link.open(config)
  const { keys, target } = connection
  const where = `redis key ${keys.state}`
  const audit = createRedisAudit(connection, config.auditMaxLen)
  const listeners: Array<(state: State) => void> = []
  const reachability: Array<(report: Reachability) => void> = []
  const registries: InstanceRegistry[] = []
  /** the last state learned from Redis (or, at a boot without it, the local copy) */
  let known: State | null = null
  /** what to store if Redis is found empty: the last state known, else the initial one */
  let seed: State | null = null
  let down = false
  let downReason = ''
  let initialised = false
  let closing = false
  let resyncTimer: NodeJS.Timeout | undefined
  let resyncRunning: Promise<void> | null = null
  let resyncAgain = false

  function parseDocument (text: string): State {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new errors.GK_ERR_STORE_CORRUPT(where, `it is not valid JSON (${(err as Error).message}); set it to a valid state document, or delete the key and the instances store the last state they knew`)
    }
    return parseStoredState(json, where)
  }

  async function readStored (): Promise<State | null> {
    let text: string | null
    try {
      text = await connection.client.get(keys.state)
    } catch (err) {
      throw asStoreError(err, target)
    }
    return text === null ? null : parseDocument(text)
  }

  async function storeIfAbsent (state: State, action: 'init' | 'restore'): Promise<State> {
    const entry = { ...buildAuditEntry(null, state, { actor: 'gatekeeper', ip: '', action }), at: new Date().toISOString() }
    let text: unknown
    try {
      text = await connection.runScript(storeUnlessPresent, [keys.state, keys.audit],
        [JSON.stringify(state), JSON.stringify(entry), config.auditMaxLen, keys.changes])
    } catch (err) {
      throw asStoreError(err, target)
    }
    if (typeof text !== 'string') throw new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${target} lost the state as it was stored`)
    return parseDocument(text)
  }

  /**
   * No state document, and this instance knows no state of its own: only a
   * deployment without an audit history is a fresh install and gets `fresh`.
   * One with a history lost its state: it is stored closed, and says so.
   */
  async function storeFirst (fresh: State): Promise<State> {
    const lastAudited = await audit.lastVersion()
    if (lastAudited === null) return await storeIfAbsent(fresh, 'init')
    const closed = closedAfterLostState(lastAudited)
    const stored = await storeIfAbsent(closed, 'restore')
    if (sameDocument(stored, closed)) {
      logger.error({ store: target, key: keys.state, audit: keys.audit, version: closed.version },
        'the state store holds an audit history but no state document: this is not a fresh install; stored closed, open the site again on purpose once it is safe')
    }
    return stored
  }

  /** No state document: the last state this instance knew goes back, else what storeFirst decides. */
  async function storeMissing (): Promise<State> {
    if (known !== null) return await storeIfAbsent(known, 'restore')
    return await storeFirst(seed ?? initialState('closed', STORE_UNREACHABLE))
  }

  function refuseWhenDisconnected (): void {
    if (closing) throw new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${target} is closing`)
    if (!connection.isReady()) throw storeUnavailable(target, connection.lastError() ?? 'not connected')
  }

  function tell<T> (to: Array<(value: T) => void>, value: T): void {
    for (const listener of to) {
      try {
        listener(value)
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'a state listener failed')
      }
    }
  }

  /** A state read from Redis: remembered, and told. */
  function learn (state: State): void {
    known = state
    seed = state
    tell(listeners, state)
  }

  function markDown (reason: string, corrupt = false): void {
    if (closing) return
    downReason = reason
    if (down) return
    down = true
    tell(reachability, { ok: false, store: target, reason, corrupt })
  }

  function markUp (): void {
    if (!down) return
    down = false
    logger.info({ store: target }, 'state store reachable again: converging on the stored state')
    tell(reachability, { ok: true, store: target })
  }

  async function resyncOnce (): Promise<void> {
    if (closing) return
    connection.keepTrying()
    if (!connection.isReady()) {
      markDown(connection.lastError() ?? 'not connected')
      return
    }
    let stored: State | null
    try {
      stored = await readStored()
      if (stored === null) stored = await storeMissing()
      if (known !== null && stored.version <= known.version && !sameDocument(stored, known)) {
        // this read may have been overtaken by a newer state on the channel: a second read settles it
        stored = (await readStored()) ?? stored
      }
    } catch (err) {
      markDown((err as Error).message, isCorrupt(err))
      return
    }
    // learned first: a policy serving closed while down then serves this, not the state before it
    if (known === null || !sameDocument(stored, known)) learn(stored)
    markUp()
  }

  /** Never rejects: a failure is an outage, reported by markDown. */
  function resync (): Promise<void> {
    if (resyncRunning !== null) {
      resyncAgain = true
      return resyncRunning
    }
    resyncRunning = (async () => {
      for (;;) {
        resyncAgain = false
        await resyncOnce()
        if (!resyncAgain || closing) break
      }
    })().finally(() => { resyncRunning = null })
    return resyncRunning
  }

  /**
   * A message on the changes channel is only a hint that the state changed:
   * anyone allowed to PUBLISH can send one. Its body is never applied; the
   * instance reads the versioned document from the state key instead.
   */
  function onPublished (): void {
    if (!initialised || closing) return
    resync()
  }

  connection.subscribe(keys.changes, onPublished)
  connection.on('client', 'close', () => {
    if (initialised) markDown(connection.lastError() ?? 'the connection was closed')
  })
  connection.on('client', 'ready', () => {
    if (initialised) resync()
  })
  // a resubscribed channel may have missed messages while it was away
  connection.on('subscriber', 'ready', () => {
    if (initialised) resync()
  })

  function begin (): void {
    initialised = true
    resyncTimer = setInterval(() => { resync() }, config.resyncIntervalMs)
    resyncTimer.unref()
    // covers a change published between the first read and the subscription
    resync()
  }

  /** Redis could not be read at boot: keep trying, with the local copy (if any) as the last state known. */
  function bootWithoutStore (reason: string, local: State | null): never {
    down = true
    downReason = reason
    if (local !== null) {
      known = local
    } else {
      // knowing nothing, this instance cannot tell a new deployment from a Redis that lost a closed
      // window's state: should it be the one to find Redis empty, it stores closed, not the initial mode
      seed = initialState('closed', NOTHING_KNOWN)
    }
    begin()
    throw unreachableAtStart(target, reason)
  }

  async function change (ctx: ChangeContext, mutation: Mutation, expectedVersion?: number): Promise<State> {
    refuseWhenDisconnected()
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      let current = await readStored()
      if (current === null) {
        if (seed === null) throw new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${target} was not initialised`)
        current = await storeMissing()
      }
      if (expectedVersion !== undefined && current.version !== expectedVersion) {
        throw new errors.GK_ERR_VERSION_MISMATCH(current.version, expectedVersion)
      }
      const next = stampState(current, mutation(current), ctx)
      const entry = buildAuditEntry(current, next, ctx)
      let reply: unknown
      try {
        // half the timeout: an answer that takes longer may reach us after we gave up on it
        const notAfter = connection.redisNow() + Math.ceil(config.commandTimeoutMs / 2)
        reply = await connection.runScript(compareAndSet, [keys.state, keys.audit],
          [current.version, JSON.stringify(next), JSON.stringify(entry), config.auditMaxLen, keys.changes, notAfter])
      } catch (err) {
        throw asStoreError(err, target)
      }
      const [outcome, storedVersion] = reply as [string, number]
      if (outcome === 'ok') {
        if (known === null || next.version > known.version) learn(next)
        return next
      }
      if (outcome === 'late') {
        throw new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${target} took more than ${Math.ceil(config.commandTimeoutMs / 2)} ms to run the change`)
      }
      if (outcome === 'corrupt') throw new errors.GK_ERR_STORE_CORRUPT(where, 'the stored document has no readable version')
      if (expectedVersion !== undefined) throw new errors.GK_ERR_VERSION_MISMATCH(storedVersion, expectedVersion)
      // someone else changed it between our read and our write: compute the change again on theirs
      logger.debug({ action: ctx.action, read: current.version, stored: storedVersion }, 'the state changed under a change; applying it again on the newer state')
    }
    throw new errors.GK_ERR_CONFLICT(`the state changed ${MAX_ATTEMPTS} times while this change was being applied; try again`)
  }

  async function note (ctx: ChangeContext, detail: Record<string, unknown>): Promise<void> {
    refuseWhenDisconnected()
    await audit.append({ version: known?.version ?? 0, at: new Date().toISOString(), actor: ctx.actor, ip: ctx.ip, action: ctx.action, before: null, after: detail })
  }

  async function readAudit (limit: number): Promise<AuditEntry[]> {
    if (limit <= 0) return []
    refuseWhenDisconnected()
    return await audit.read(limit)
  }

  return {
    kind: 'redis',
    link,

    async init (initial, hint: InitHint = { lastKnown: null }) {
      const local = hint.lastKnown
      const localError = hint.unreadable ?? null
      // a Redis that lost its data gets back the last state this instance knew, not the initial mode
      seed = local ?? initial
      let reason = connection.lastError() ?? `not connected within ${config.commandTimeoutMs} ms`
      if (await connection.waitUntilReady(config.commandTimeoutMs)) {
        try {
          let stored = await readStored()
          if (stored === null) {
            if (localError !== null) throw localError
            stored = local === null ? await storeFirst(initial) : await storeIfAbsent(local, 'restore')
          }
          known = stored
          seed = stored
          begin()
          return stored
        } catch (err) {
          if (isCorrupt(err)) throw err
          reason = (err as Error).message
        }
      } else {
        reason = connection.lastError() ?? reason
      }
      return bootWithoutStore(reason, local)
    },

    async update (ctx: ChangeContext, mutation: Mutation, expectedVersion?: number) {
      try {
        return await change(ctx, mutation, expectedVersion)
      } catch (err) {
        throw withConsequence(err, 'the change was not applied anywhere')
      }
    },

    async note (ctx, detail) {
      try {
        await note(ctx, detail)
      } catch (err) {
        throw withConsequence(err, 'the audit entry was not recorded')
      }
    },

    async readAudit (limit) {
      try {
        return await readAudit(limit)
      } catch (err) {
        throw withConsequence(err, 'the audit log cannot be read until it returns')
      }
    },

    subscribe (listener, onReachability) {
      listeners.push(listener)
      if (onReachability !== undefined) reachability.push(onReachability)
    },

    health (): StoreHealth {
      if (!down) return lostState(known)
      return { ok: false, message: `${target} is unavailable (${connection.lastError() ?? downReason})` }
    },

    registry (options = {}) {
      const registry = createRedisRegistry(connection, options.heartbeatMs, options.staleMs)
      registries.push(registry)
      return registry
    },

    lease (name, ttlMs) {
      return createRedisLease(connection, name, ttlMs)
    },

    async close () {
      if (closing) return
      closing = true
      clearInterval(resyncTimer)
      await Promise.all(registries.map((registry) => registry.close()))
      await resyncRunning
      await connection.close()
      if (shared === undefined) await link.close()
    }
  }
}
