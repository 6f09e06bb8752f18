import { canonicalIp } from './cidr.js'
import type { IpSet } from './ip-set.js'

const SPACE = 32
const TAB = 9

function isPort (text: string): boolean {
  if (text.length === 0 || text.length > 5) return false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return Number(text) <= 65535
}

/**
 * The address of one X-Forwarded-For entry in canonical form, or null when
 * the entry is none: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`,
 * `[2001:db8::1]` and `[2001:db8::1]:443`, with optional surrounding spaces.
 */
function entryAddress (header: string, start: number, end: number): string | null {
  while (start < end && (header.charCodeAt(start) === SPACE || header.charCodeAt(start) === TAB)) start++
  while (end > start && (header.charCodeAt(end - 1) === SPACE || header.charCodeAt(end - 1) === TAB)) end--
  const entry = header.slice(start, end)
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']')
    const inside = entry.slice(1, close)
    const after = entry.slice(close + 1)
    if (close === -1 || !inside.includes(':') || (after !== '' && !(after.startsWith(':') && isPort(after.slice(1))))) return null
    return canonicalIp(inside)
  }
  const colon = entry.indexOf(':')
  if (colon !== -1 && entry.indexOf(':', colon + 1) === -1) {
    // one colon: an IPv4 address and its port; an IPv6 address has at least two
    return isPort(entry.slice(colon + 1)) ? canonicalIp(entry.slice(0, colon)) : null
  }
  return canonicalIp(entry)
}

/**
 * The client's address in canonical form (IPv4-mapped IPv6 as dotted IPv4).
 * It is the socket's peer, unless that peer is a trusted proxy: then
 * X-Forwarded-For is read from the right (each proxy appends the peer it
 * saw), past every trusted proxy, to the first address no trusted proxy
 * vouches for being beyond. An entry that is not an address, reached before
 * that, means a trusted proxy recorded something unusable: the answer is
 * '' (which no allowlist matches) rather than the proxy's own address,
 * which may well be allowlisted. When every entry is trusted the left-most
 * is the client. Entries left of the answer are whatever the client sent
 * and are never read. A socket without an address gives ''.
 */
export function clientIp (remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: IpSet): string {
  const peer = remoteAddress === undefined ? null : canonicalIp(remoteAddress)
  if (peer === null) return ''
  if (trusted.size === 0 || !trusted.has(peer)) return peer
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor
  // a trusted proxy that records nobody forwards its own request (a load balancer's health check)
  if (header === undefined || header.trim() === '') return peer
  let client = peer
  let end = header.length
  while (end >= 0) {
    const comma = end === 0 ? -1 : header.lastIndexOf(',', end - 1)
    const address = entryAddress(header, comma + 1, end)
    if (address === null) return ''
    if (!trusted.has(address)) return address
    client = address
    end = comma
  }
  return client
}
