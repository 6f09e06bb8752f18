import { networkInterfaces } from 'node:os'
import { parseCidr } from '../gate/cidr.js'
import { createRangeSet } from '../gate/range-set.js'
import type { Config } from './config.js'

/** The addresses a reverse proxy on this host would connect from. */
function localAddresses (): string[] {
  const addresses = new Set(['127.0.0.1', '::1'])
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.add(entry.address)
  }
  return [...addresses]
}

/**
 * A warning when a static allowlist entry covers an address of this machine
 * while no proxy is trusted: a TLS terminator or load balancer on the same
 * host then connects from that address for every visitor, and every visitor
 * passes a closed gate. Null when the configuration is free of that trap.
 */
export function localAllowlistWarning (config: Pick<Config, 'allowlist' | 'trustedProxies'>, addresses: readonly string[] = localAddresses()): string | null {
  if (config.trustedProxies.length > 0 || config.allowlist.length === 0) return null
  // one set for the whole list: it may hold 100 000 entries
  const allowed = createRangeSet(config.allowlist.map((entry) => parseCidr(entry.cidr)))
  const covered = addresses.filter((address) => allowed.has(address))
  if (covered.length === 0) return null
  return `the allowlist covers addresses of this machine (${covered.join(', ')}) and trustedProxies is empty: ` +
    'a reverse proxy on this host would let every visitor through a closed gate; list it in trustedProxies and take it out of the allowlist'
}
