import { errors } from '../errors.js'

/**
 * Strict CIDR parsing for the rules the firewall writes. The helper runs as
 * root and takes its input from the less trusted proxy, so anything iptables
 * might read differently from us is refused rather than guessed at: octal-
 * looking octets, zone ids, host bits set beyond the prefix.
 */
export interface Cidr {
  family: 4 | 6
  bytes: Uint8Array
  prefix: number
  /** canonical: dotted quad, or RFC 5952 IPv6, always with the prefix */
  text: string
}

const MAX_TEXT = 64
const DECIMAL = /^(0|[1-9][0-9]{0,2})$/
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/

export function parseStrictCidr (text: unknown): Cidr {
  if (typeof text !== 'string') throw new errors.GK_ERR_BAD_CIDR(JSON.stringify(text) ?? String(text), 'not a string')
  const shown = JSON.stringify(text)
  if (text.length === 0 || text.length > MAX_TEXT) throw new errors.GK_ERR_BAD_CIDR(shown, `length must be 1..${MAX_TEXT}`)
  const slash = text.indexOf('/')
  const addressText = slash === -1 ? text : text.slice(0, slash)
  const bytes = addressText.includes(':') ? parseIpv6(addressText) : parseIpv4(addressText)
  if (bytes === null) throw new errors.GK_ERR_BAD_CIDR(shown, 'not an IPv4 or IPv6 address')
  const bits = bytes.length * 8
  let prefix = bits
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1)
    if (!DECIMAL.test(prefixText) || Number(prefixText) > bits) throw new errors.GK_ERR_BAD_CIDR(shown, `the prefix must be a whole number from 0 to ${bits}`)
    prefix = Number(prefixText)
  }
  const family = bytes.length === 4 ? 4 : 6
  const network = masked(bytes, prefix)
  const networkText = `${formatAddress(network)}/${prefix}`
  if (!sameBytes(network, bytes)) throw new errors.GK_ERR_BAD_CIDR(shown, `host bits are set beyond the prefix (did you mean ${networkText}?)`)
  return { family, bytes: network, prefix, text: networkText }
}

function parseIpv4 (text: string): Uint8Array | null {
  const parts = text.split('.')
  if (parts.length !== 4) return null
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string
    if (!DECIMAL.test(part) || Number(part) > 255) return null
    bytes[i] = Number(part)
  }
  return bytes
}

function parseIpv6 (text: string): Uint8Array | null {
  const halves = text.split('::')
  if (halves.length > 2) return null
  const head = groupsOf(halves[0] as string)
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : []
  if (head === null || tail === null) return null
  const written = head.length + tail.length
  if (halves.length === 2 ? written > 7 : written !== 8) return null
  const words = [...head, ...new Array<number>(8 - written).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  words.forEach((word, i) => {
    bytes[i * 2] = word >> 8
    bytes[i * 2 + 1] = word & 0xff
  })
  return bytes
}

/** 16-bit words of one side of `::`; a trailing dotted quad counts as two. */
function groupsOf (text: string): number[] | null {
  if (text === '') return []
  const parts = text.split(':')
  const words: number[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    if (i === parts.length - 1 && part.includes('.')) {
      const quad = parseIpv4(part)
      if (quad === null) return null
      words.push((quad[0] as number) << 8 | (quad[1] as number), (quad[2] as number) << 8 | (quad[3] as number))
    } else if (HEX_GROUP.test(part)) {
      words.push(parseInt(part, 16))
    } else {
      return null
    }
  }
  return words
}

function masked (bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length)
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8))
    out[i] = (bytes[i] as number) & (0xff << (8 - keep)) & 0xff
  }
  return out
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i])
}

export function formatAddress (bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.')
  const words: number[] = []
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] as number) << 8 | (bytes[i + 1] as number))
  if (words.slice(0, 5).every(word => word === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes.subarray(12).join('.')}`
  }
  // RFC 5952: the longest run of two or more zero words becomes `::`, the first one on a tie
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) { i++; continue }
    let end = i
    while (end < 8 && words[end] === 0) end++
    if (end - i > bestLength) { bestStart = i; bestLength = end - i }
    i = end
  }
  const hex = words.map(word => word.toString(16))
  if (bestStart === -1) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}
