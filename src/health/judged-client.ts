import { parseIpv6Into } from '../gate/cidr.js'
import type { Reason } from '../gate/decide.js'

/** Reused for every IPv6 client: working out a prefix allocates nothing but its key. */
const scratch = new Uint8Array(16)

function hex2 (byte: number): string {
  return byte < 16 ? '0' + byte.toString(16) : byte.toString(16)
}

/**
 * Who a client is, for the health gate: its IPv4 address, or the /64 prefix
 * of its IPv6 address (one subscriber's network hands out a /64, so every
 * address in it is one client). Not the staged id: a client picks its own
 * key header and drops its cookie at will, but not its address.
 */
export function healthClientKey (clientIp: string): string {
  if (!clientIp.includes(':') || !parseIpv6Into(clientIp, scratch)) return clientIp
  let key = 'v6:'
  for (let i = 0; i < 8; i++) key += hex2(scratch[i] as number)
  return key
}

/**
 * The client a passed request's upstream answer counts for in the health
 * gate, or null when it does not count. The gate judges the public traffic
 * the staged share admitted, and nothing else: always-allowed paths and
 * testers (allowlist, bypass token) reach the upstream whatever the share,
 * so their answers say nothing about the share admitted, and counting them
 * would let anyone who can reach an always-allowed path abort a ramp.
 */
export function judgedClientOf (reason: Reason, clientIp: string): string | null {
  return reason === 'staged-admitted' ? healthClientKey(clientIp) : null
}
