import { canonicalIp } from './cidr.js'

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*$/

/**
 * A host as the admin Host check and the config compare it: a lower-case name without its trailing
 * dot, or an address in canonical form (IPv6 without brackets); null when
 * `text` is neither.
 */
export function normalHost (text: string): string | null {
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (inner.includes(':')) return canonicalIp(inner)
  const name = (inner.endsWith('.') ? inner.slice(0, -1) : inner).toLowerCase()
  if (!HOST_NAME.test(name)) return null
  return canonicalIp(name) ?? name
}
