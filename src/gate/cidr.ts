import { errors } from '../errors.js'

/** An address block of the allowlist or of `trustedProxies`. */
export interface Cidr {
  family: 4 | 6
  /** 4 or 16 bytes, host bits zero */
  bytes: Uint8Array
  prefix: number
  /** canonical form, e.g. `10.20.0.0/16`, `2001:db8::/32` */
  text: string
}

export interface IpAddress {
  family: 4 | 6
  /** 4 or 16 bytes */
  bytes: Uint8Array
}

const DOT = 46
const COLON = 58
const DIGIT_0 = 48
const DIGIT_9 = 57

/**
 * A strict dotted-quad IPv4 address in `text[start, end)` as an unsigned
 * 32-bit number, or -1. Strict means four decimal octets without leading
 * zeros: `010.0.0.1` is octal to inet_aton and decimal to others, so it is
 * no address at all here. Walks char codes so the request path allocates nothing.
 */
export function parseIpv4Number (text: string, start = 0, end = text.length): number {
  let value = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      if (digits === 1 && octet === 0) return -1
      octet = octet * 10 + (c - DIGIT_0)
      if (octet > 255) return -1
      digits++
    } else if (c === DOT) {
      if (digits === 0 || dots === 3) return -1
      value = value * 256 + octet
      octet = 0
      digits = 0
      dots++
    } else {
      return -1
    }
  }
  if (digits === 0 || dots !== 3) return -1
  return value * 256 + octet
}

function hexValue (c: number): number {
  if (c >= DIGIT_0 && c <= DIGIT_9) return c - DIGIT_0
  const lower = c | 0x20
  if (lower >= 97 && lower <= 102) return lower - 87
  return -1
}

function isZoneChar (c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 45 || c === DOT || c === 95
}

/**
 * Parses an IPv6 address (RFC 4291 text, with an optional trailing dotted
 * IPv4 part and an optional `%zone`, which is dropped) into the 16 bytes of
 * `out`. Returns false, with `out` in an unspecified state, when `text` is no
 * IPv6 address. Takes the output buffer so that a caller on the request path
 * can reuse one.
 */
export function parseIpv6Into (text: string, out: Uint8Array): boolean {
  let end = text.indexOf('%')
  if (end === -1) {
    end = text.length
  } else {
    if (end + 1 === text.length) return false
    for (let i = end + 1; i < text.length; i++) if (!isZoneChar(text.charCodeAt(i))) return false
  }
  let i = 0
  let groups = 0
  let gap = -1
  if (end >= 2 && text.charCodeAt(0) === COLON && text.charCodeAt(1) === COLON) {
    gap = 0
    i = 2
  }
  while (i < end) {
    const start = i
    let value = 0
    while (i < end && i - start < 5) {
      const digit = hexValue(text.charCodeAt(i))
      if (digit === -1) break
      value = value * 16 + digit
      i++
    }
    if (i < end && text.charCodeAt(i) === DOT) {
      if (groups > 6) return false
      const v4 = parseIpv4Number(text, start, end)
      if (v4 === -1) return false
      out[groups * 2] = v4 >>> 24
      out[groups * 2 + 1] = (v4 >>> 16) & 0xff
      out[groups * 2 + 2] = (v4 >>> 8) & 0xff
      out[groups * 2 + 3] = v4 & 0xff
      groups += 2
      break
    }
    if (i === start || i - start > 4 || groups === 8) return false
    out[groups * 2] = value >>> 8
    out[groups * 2 + 1] = value & 0xff
    groups++
    if (i === end) break
    if (text.charCodeAt(i) !== COLON) return false
    i++
    if (i < end && text.charCodeAt(i) === COLON) {
      if (gap !== -1) return false
      gap = groups
      i++
    } else if (i === end) {
      return false
    }
  }
  if (gap === -1) return groups === 8
  if (groups > 7) return false
  // '::' stands for the zero groups between what came before it and what came after
  const tail = (groups - gap) * 2
  for (let k = 1; k <= tail; k++) out[16 - k] = out[gap * 2 + tail - k] as number
  out.fill(0, gap * 2, 16 - tail)
  return true
}

/** `::ffff:a.b.c.d`: how a dual-stack socket reports an IPv4 peer. */
export function isIpv4Mapped (bytes: Uint8Array): boolean {
  if (bytes.length !== 16) return false
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false
  return bytes[10] === 0xff && bytes[11] === 0xff
}

/**
 * A request's address (socket or X-Forwarded-For entry), IPv4-mapped IPv6
 * folded to IPv4, or null. A `%zone` suffix is accepted and dropped: a
 * link-local peer's socket address carries one.
 */
export function parseIp (text: string): IpAddress | null {
  if (typeof text !== 'string') return null
  const v4 = parseIpv4Number(text)
  if (v4 !== -1) return { family: 4, bytes: numberToBytes(v4) }
  const bytes = new Uint8Array(16)
  if (!parseIpv6Into(text, bytes)) return null
  if (isIpv4Mapped(bytes)) return { family: 4, bytes: bytes.slice(12) }
  return { family: 6, bytes }
}

/** The canonical text of a request's address, or null when it is none. */
export function canonicalIp (text: string): string | null {
  // a strictly parsed dotted quad is already canonical: hand back the same string
  if (typeof text === 'string' && parseIpv4Number(text) !== -1) return text
  const ip = parseIp(text)
  return ip === null ? null : formatIp(ip.family, ip.bytes)
}

function numberToBytes (value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff)
}

/**
 * Canonical text: dotted decimal for IPv4; RFC 5952 for IPv6 (lower case,
 * no leading zeros, the first longest run of two or more zero groups as
 * `::`, IPv4-mapped addresses as `::ffff:a.b.c.d`).
 */
export function formatIp (family: 4 | 6, bytes: Uint8Array): string {
  if (bytes.length !== (family === 4 ? 4 : 16)) {
    throw new TypeError(`formatIp: an IPv${family} address has ${family === 4 ? 4 : 16} bytes, got ${bytes.length}`)
  }
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`
  if (isIpv4Mapped(bytes)) return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`
  const groups: number[] = []
  for (let g = 0; g < 8; g++) groups.push((bytes[g * 2] as number) << 8 | (bytes[g * 2 + 1] as number))
  let bestStart = -1
  let bestLength = 1
  for (let g = 0; g < 8;) {
    if (groups[g] !== 0) {
      g++
      continue
    }
    let run = g
    while (run < 8 && groups[run] === 0) run++
    if (run - g > bestLength) {
      bestStart = g
      bestLength = run - g
    }
    g = run
  }
  const hex = groups.map((group) => group.toString(16))
  if (bestStart === -1) return hex.join(':')
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':')
}

function maskBytes (bytes: Uint8Array, prefix: number): Uint8Array {
  const masked = bytes.slice()
  for (let i = 0; i < masked.length; i++) {
    const keep = Math.min(8, Math.max(0, prefix - i * 8))
    masked[i] = (masked[i] as number) & (0xff00 >>> keep) & 0xff
  }
  return masked
}

function explainBadIpv4 (address: string): string {
  const octets = address.split('.')
  if (!/^[0-9.]+$/.test(address)) return 'not an IPv4 or IPv6 address'
  if (octets.length !== 4) return `an IPv4 address has four dot-separated numbers, "${address}" has ${octets.length}`
  for (const octet of octets) {
    if (octet === '') return `"${address}" has an empty number between dots`
    if (octet.length > 1 && octet.startsWith('0')) {
      return `"${octet}" has a leading zero, which some tools read as octal: write ${Number.parseInt(octet, 10)} if that is what you mean`
    }
  }
  // every octet is a plain number, so one of them is too large
  return `"${octets.find((octet) => Number(octet) > 255)}" is out of range 0-255`
}

function parseCidrAddress (input: string, address: string): IpAddress {
  if (address === '') throw new errors.GK_ERR_BAD_CIDR(input, 'the address before "/" is missing')
  const v4 = parseIpv4Number(address)
  if (v4 !== -1) return { family: 4, bytes: numberToBytes(v4) }
  if (!address.includes(':')) throw new errors.GK_ERR_BAD_CIDR(input, explainBadIpv4(address))
  if (address.startsWith('[')) throw new errors.GK_ERR_BAD_CIDR(input, 'write an IPv6 CIDR without brackets, e.g. 2001:db8::/32')
  const bytes = new Uint8Array(16)
  if (!parseIpv6Into(address, bytes)) throw new errors.GK_ERR_BAD_CIDR(input, `"${address}" is not an IPv6 address`)
  return { family: 6, bytes }
}

function parsePrefix (input: string, text: string, family: 4 | 6): number {
  const max = family === 4 ? 32 : 128
  if (text === '') throw new errors.GK_ERR_BAD_CIDR(input, 'the prefix length after "/" is missing')
  if (!/^[0-9]+$/.test(text)) throw new errors.GK_ERR_BAD_CIDR(input, `the prefix length "${text}" is not a whole number`)
  if (text.length > 1 && text.startsWith('0')) throw new errors.GK_ERR_BAD_CIDR(input, `the prefix length "${text}" has a leading zero; write /${Number(text)}`)
  const prefix = Number(text)
  if (prefix > max) throw new errors.GK_ERR_BAD_CIDR(input, `the prefix length ${text} is out of range 0-${max} for IPv${family}`)
  return prefix
}

/**
 * Parses `a.b.c.d/n`, `ipv6/n`, or a bare address (a single host). Refuses,
 * naming the problem, anything that could mean two things: host bits set
 * (the admin meant the network, or a typo widened the rule), leading zeros,
 * zone ids. An IPv4-mapped block (`::ffff:10.0.0.0/104`) becomes its IPv4
 * block (`10.0.0.0/8`), so one rule covers a client whichever socket form
 * it arrives in.
 */
export function parseCidr (text: string): Cidr {
  if (typeof text !== 'string') throw new errors.GK_ERR_BAD_CIDR(String(text), 'not a string')
  const input = text
  if (input.trim() === '') throw new errors.GK_ERR_BAD_CIDR(JSON.stringify(text), 'empty: give an address or block such as 10.20.0.0/16')
  // one spelling per block: the API, the config and the firewall helper all refuse what another parser might read otherwise
  if (/\s/.test(input)) throw new errors.GK_ERR_BAD_CIDR(JSON.stringify(text), 'white space (a space, tab or line end) is not part of a CIDR')
  if (input.includes('%')) {
    throw new errors.GK_ERR_BAD_CIDR(text, 'a zone id ("%eth0") names one host\'s network link and has no place in a CIDR')
  }
  const slash = input.indexOf('/')
  if (slash !== -1 && input.indexOf('/', slash + 1) !== -1) throw new errors.GK_ERR_BAD_CIDR(text, 'more than one "/"')
  let { family, bytes } = parseCidrAddress(text, slash === -1 ? input : input.slice(0, slash))
  let prefix = slash === -1 ? (family === 4 ? 32 : 128) : parsePrefix(text, input.slice(slash + 1), family)
  const network = maskBytes(bytes, prefix)
  if (!network.every((byte, i) => byte === bytes[i])) {
    throw new errors.GK_ERR_BAD_CIDR(text, `host bits are set; did you mean ${formatIp(family, network)}/${prefix}?`)
  }
  if (family === 6 && prefix >= 96 && isIpv4Mapped(bytes)) {
    family = 4
    bytes = bytes.slice(12)
    prefix -= 96
  }
  return { family, bytes, prefix, text: `${formatIp(family, bytes)}/${prefix}` }
}
