import type { Config } from '../config/config.js'
import { compileGateConfig, compileSnapshot, type GateSnapshot } from '../gate/snapshot.js'
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
  /** Swaps in a state learnt from the store; an older version than the one held is ignored. */
  apply (state: State): boolean
  onApplied (listener: (snapshot: GateSnapshot, previous: GateSnapshot) => void): void
  readonly trustedProxies: IpSet
  /** public requests in flight, admitted as the public (not testers) */
  inFlight: number
  webSockets: number
}

export function createGateRuntime (config: Config, initial: State): GateRuntime {
  const gateConfig = compileGateConfig(config.allowlist.map((entry) => entry.cidr), config.alwaysAllow.paths)
  const trustedProxies = createIpSet(config.trustedProxies.map((cidr) => parseCidr(cidr)))
  let snapshot = compileSnapshot(initial, gateConfig)
  const listeners: Array<(next: GateSnapshot, previous: GateSnapshot) => void> = []

  return {
    current: () => snapshot,
    apply (state) {
      if (state.version < snapshot.version) return false
      if (state.version === snapshot.version && JSON.stringify(state) === JSON.stringify(snapshot.state)) return false
      const previous = snapshot
      snapshot = compileSnapshot(state, gateConfig)
      for (const listener of listeners) listener(snapshot, previous)
      return true
    },
    onApplied (listener) {
      listeners.push(listener)
    },
    trustedProxies,
    inFlight: 0,
    webSockets: 0
  }
}
