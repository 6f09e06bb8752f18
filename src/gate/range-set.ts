import { isIpv4Mapped, parseIpv4Number, parseIpv6Into, type Cidr } from './cidr.js'
import type { AddressSet } from './ip-set.js'

/**
 * Blocks that never expire (the configured allowlist), held as sorted,
 * merged address ranges in a few typed arrays: a lookup is a binary search,
 * and a hundred thousand blocks are a few megabytes the garbage collector
 * never walks, where a trie would be hundreds of thousands of objects. It
 * answers as an IpSet does: an IPv4 client, plain or IPv4-mapped, is matched
 * by IPv4 blocks only.
 */

/** An address as 32-bit words, most significant first: one for IPv4, four for IPv6. */
type Words = Uint32Array

function compareWords (a: Words, aAt: number, b: Words, bAt: number, width: number): number {
  for (let i = 0; i < width; i++) {
    const x = a[aAt + i] as number
    const y = b[bAt + i] as number
    if (x !== y) return x < y ? -1 : 1
  }
  return 0
}

/** The first and last address of a block, as words. */
function rangeOf (bytes: Uint8Array, prefix: number, width: number): { first: Words, last: Words } {
  const first = new Uint32Array(width)
  const last = new Uint32Array(width)
  for (let word = 0; word < width; word++) {
    const at = word * 4
    const value = ((bytes[at] as number) << 24 | (bytes[at + 1] as number) << 16 | (bytes[at + 2] as number) << 8 | (bytes[at + 3] as number)) >>> 0
    const keep = Math.min(32, Math.max(0, prefix - word * 32))
    // a shift by 32 is a shift by 0 in JavaScript, hence the explicit cases
    const mask = keep === 0 ? 0 : keep === 32 ? 0xffffffff : (0xffffffff << (32 - keep)) >>> 0
    first[word] = (value & mask) >>> 0
    last[word] = (value | ~mask) >>> 0
  }
  return { first, last }
}

/** Whether `last` + 1 is `first`, i.e. two ranges touch and can be one. */
function adjacent (last: Words, lastAt: number, first: Words, firstAt: number, width: number): boolean {
  let carry = 1
  for (let i = width - 1; i >= 0; i--) {
    const sum = (last[lastAt + i] as number) + carry
    carry = sum > 0xffffffff ? 1 : 0
    if ((sum >>> 0) !== first[firstAt + i]) return false
  }
  return carry === 0
}

/** Sorted, merged ranges of one family, looked up by binary search. */
interface Ranges {
  width: number
  count: number
  firsts: Words
  lasts: Words
}

function mergedRanges (blocks: Array<{ first: Words, last: Words }>, width: number): Ranges {
  blocks.sort((a, b) => compareWords(a.first, 0, b.first, 0, width))
  const firsts = new Uint32Array(blocks.length * width)
  const lasts = new Uint32Array(blocks.length * width)
  let count = 0
  for (const block of blocks) {
    const previous = (count - 1) * width
    if (count > 0 && (compareWords(block.first, 0, lasts, previous, width) <= 0 || adjacent(lasts, previous, block.first, 0, width))) {
      if (compareWords(block.last, 0, lasts, previous, width) > 0) lasts.set(block.last, previous)
      continue
    }
    firsts.set(block.first, count * width)
    lasts.set(block.last, count * width)
    count++
  }
  return { width, count, firsts: firsts.slice(0, count * width), lasts: lasts.slice(0, count * width) }
}

/** Whether a range covers the address in `words` at `at`. */
function covered (ranges: Ranges, words: Words, at: number): boolean {
  const { width, firsts, lasts } = ranges
  let low = 0
  let high = ranges.count - 1
  let candidate = -1
  while (low <= high) {
    const middle = (low + high) >>> 1
    if (compareWords(firsts, middle * width, words, at, width) <= 0) {
      candidate = middle
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return candidate !== -1 && compareWords(words, at, lasts, candidate * width, width) <= 0
}

// Scratch space for lookups: the request path allocates nothing, and lookups are synchronous.
const scratchBytes = new Uint8Array(16)
const scratchV4 = new Uint32Array(1)
const scratchV6 = new Uint32Array(4)

function wordsInto (bytes: Uint8Array, offset: number, words: Words): void {
  for (let word = 0; word < words.length; word++) {
    const at = offset + word * 4
    words[word] = ((bytes[at] as number) << 24 | (bytes[at + 1] as number) << 16 | (bytes[at + 2] as number) << 8 | (bytes[at + 3] as number)) >>> 0
  }
}

/** The blocks as a read-only set; the same block twice counts once. */
export function createRangeSet (cidrs: Iterable<Cidr>): AddressSet {
  const v4: Array<{ first: Words, last: Words }> = []
  const v6: Array<{ first: Words, last: Words }> = []
  const distinct = new Set<string>()
  for (const { family, bytes, prefix, text } of cidrs) {
    distinct.add(text)
    if (family === 6 && prefix >= 96 && isIpv4Mapped(bytes)) v4.push(rangeOf(bytes.subarray(12), prefix - 96, 1))
    else if (family === 4) v4.push(rangeOf(bytes, prefix, 1))
    else v6.push(rangeOf(bytes, prefix, 4))
  }
  const ranges4 = mergedRanges(v4, 1)
  const ranges6 = mergedRanges(v6, 4)
  const size = distinct.size

  function hasBytes (family: 4 | 6, bytes: Uint8Array): boolean {
    if (family === 4 && bytes.length === 4) {
      wordsInto(bytes, 0, scratchV4)
      return covered(ranges4, scratchV4, 0)
    }
    if (family !== 6 || bytes.length !== 16) return false
    if (isIpv4Mapped(bytes)) {
      wordsInto(bytes, 12, scratchV4)
      return covered(ranges4, scratchV4, 0)
    }
    wordsInto(bytes, 0, scratchV6)
    return covered(ranges6, scratchV6, 0)
  }

  return {
    has (ip: string): boolean {
      if (typeof ip !== 'string') return false
      const address = parseIpv4Number(ip)
      if (address !== -1) {
        if (ranges4.count === 0) return false
        scratchV4[0] = address
        return covered(ranges4, scratchV4, 0)
      }
      if (!parseIpv6Into(ip, scratchBytes)) return false
      return hasBytes(6, scratchBytes)
    },
    hasBytes,
    get size (): number {
      return size
    }
  }
}
