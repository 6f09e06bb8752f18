import type { Config } from '../config/config.js'
import { compileGateConfig, compileSnapshot, type GateSnapshot } from '../gate/snapshot.js'
import { sameAccess } from '../gate/site-access.js'
import { createIpSet, type IpSet } from '../gate/ip-set.js'
import { parseCidr } from '../gate/cidr.js'
import type { State } from '../state/types.js'

/**
 * The one in-memory copy of the gate that the request path reads. A change
 * compiles a new snapshot and swaps it in whole: a request sees either the
 * old state or the new one, never a mix, and never waits on the store.
 */
export interface GateRuntime {
  current (): GateSnapshot
  /**
   * Swaps in a state this process wrote or was handed (the answer of its own
   * change); an older version than the one held is ignored, since the store
   * may already have delivered a newer one.
   */
  apply (state: State): boolean
  /**
   * Swaps in what the store says is in force now, whatever its version: the
   * store has already dropped stale news, and what it emits may rightly be
   * the same version (a closed stand-in while it is unreachable, then the
   * stored state again) or a lower one (the state it converged on after
   * Redis lost its data). Only a copy of what is held is ignored.
   */
  follow (state: State): boolean
  onApplied (listener: (snapshot: GateSnapshot, previous: GateSnapshot) => void): void
  /**
   * Told when the public requests in flight or the public WebSockets drop
   * to none: at once, then at most every IDLE_NOTICE_MS, with a last notice
   * after a burst so the final count is always told.
   */
  onIdle (listener: () => void): void
  /**
   * Takes the configuration's part of the gate anew (static allowlist,
   * alwaysAllow paths, trustedProxies) on a reload: the state is compiled
   * again with it and swapped in whole, and the onApplied listeners hear of
   * it, so open sockets and requests in flight are judged again.
   */
  reconfigure (config: Config): void
  /** the same object for the life of the process; what it holds follows reconfigure() */
  readonly trustedProxies: IpSet
  /** the configuration's allowlist in force (the firewall renders it with the state's) */
  readonly staticAllowlist: Config['allowlist']
  /** public requests in flight, admitted as the public (not testers) */
  inFlight: number
  webSockets: number
}

export const IDLE_NOTICE_MS = 100

/** Whose gate a runtime is, and where its testers come from. */
export interface GateRuntimeOptions {
  /** the site whose gate this is: a token limited to other sites does not pass it (default: `default`) */
  site?: string
  /**
   * The gate whose state holds the testers (dynamic allowlist, tokens): the
   * top-level one, for a site's gate. Each of its changes to them is
   * compiled into this gate at once. Default: this gate's own state.
   */
  access?: GateRuntime
}

/** Calls `fn` at once, then at most every `ms`; a call inside the pause is made at its end. */
function throttled (fn: () => void, ms: number): () => void {
  let last = -Infinity
  let timer: NodeJS.Timeout | null = null
  return () => {
    if (timer !== null) return
    const wait = last + ms - Date.now()
    if (wait <= 0) {
      last = Date.now()
      fn()
      return
    }
    timer = setTimeout(() => {
      timer = null
      last = Date.now()
      fn()
    }, wait)
    timer.unref()
  }
}

/**
 * An IpSet whose blocks can be replaced whole: the request path keeps the
 * one object it was given at start-up and reads whatever is in force.
 */
function replaceableIpSet (initial: IpSet): IpSet & { replace (next: IpSet): void } {
  let held = initial
  return {
    add: (cidr, expiresAt) => { held.add(cidr, expiresAt) },
    has: (ip, now) => held.has(ip, now),
    hasBytes: (family, bytes, now) => held.hasBytes(family, bytes, now),
    get size () { return held.size },
    replace (next) { held = next }
  }
}

function trustedSetOf (config: Config): IpSet {
  return createIpSet(config.trustedProxies.map((cidr) => parseCidr(cidr)))
}

function gateConfigOf (config: Config): ReturnType<typeof compileGateConfig> {
  return compileGateConfig(config.allowlist.map((entry) => entry.cidr), config.alwaysAllow.paths)
}

export function createGateRuntime (config: Config, initial: State, options: GateRuntimeOptions = {}): GateRuntime {
  let gateConfig = gateConfigOf(config)
  let staticAllowlist = config.allowlist
  const trustedProxies = replaceableIpSet(trustedSetOf(config))
  const source = options.access
  const compile = (state: State): GateSnapshot => compileSnapshot(state, gateConfig, {
    ...(options.site === undefined ? {} : { site: options.site }),
    ...(source === undefined ? {} : { access: source.current().state })
  })
  let snapshot = compile(initial)
  const listeners: Array<(next: GateSnapshot, previous: GateSnapshot) => void> = []
  const idleListeners: Array<() => void> = []
  let inFlight = 0
  let webSockets = 0
  const tellIdle = throttled(() => {
    for (const listener of idleListeners) listener()
  }, IDLE_NOTICE_MS)

  function swapIn (state: State): boolean {
    if (state.version === snapshot.version && JSON.stringify(state) === JSON.stringify(snapshot.state)) return false
    const previous = snapshot
    snapshot = compile(state)
    for (const listener of listeners) listener(snapshot, previous)
    return true
  }

  // the testers' state changed: compiled in at once, so a revoked token or a removed entry stops passing here too
  source?.onApplied((next) => {
    if (sameAccess(next.state, snapshot.access)) return
    const previous = snapshot
    snapshot = compile(previous.state)
    for (const listener of listeners) listener(snapshot, previous)
  })

  return {
    current: () => snapshot,
    apply (state) {
      if (state.version < snapshot.version) return false
      return swapIn(state)
    },
    follow: swapIn,
    reconfigure (next) {
      gateConfig = gateConfigOf(next)
      staticAllowlist = next.allowlist
      trustedProxies.replace(trustedSetOf(next))
      const previous = snapshot
      snapshot = compile(previous.state)
      for (const listener of listeners) listener(snapshot, previous)
    },
    onApplied (listener) {
      listeners.push(listener)
    },
    onIdle (listener) {
      idleListeners.push(listener)
    },
    trustedProxies,
    get staticAllowlist () {
      return staticAllowlist
    },
    get inFlight () {
      return inFlight
    },
    set inFlight (count: number) {
      const was = inFlight
      inFlight = count
      if (count === 0 && was > 0 && idleListeners.length > 0) tellIdle()
    },
    get webSockets () {
      return webSockets
    },
    set webSockets (count: number) {
      const was = webSockets
      webSockets = count
      if (count === 0 && was > 0 && idleListeners.length > 0) tellIdle()
    }
  }
}
