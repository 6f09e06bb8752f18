import { isIpv4Mapped, parseIpv4Number, parseIpv6Into, type Cidr } from './cidr.js'

/**
 * A set of CIDR blocks, each with an expiry. A lookup walks at most one
 * node per address bit, however many blocks the set holds. An IPv4 client
 * is matched by IPv4 blocks only, whether it arrives as `1.2.3.4` or as
 * `::ffff:1.2.3.4`: an IPv6 block such as `::/0` does not admit it.
 */
export interface IpSet {
  /** Adds a block; `expiresAt` is epoch ms (default: never). The same block added twice keeps the later expiry. */
  add (cidr: Cidr, expiresAt?: number): void
  /**
   * Whether a block that has not expired at `now` covers `ip`. `now`
   * defaults to 0, which ignores expiry. An unparseable `ip` is covered by nothing.
   */
  has (ip: string, now?: number): boolean
  hasBytes (family: 4 | 6, bytes: Uint8Array, now?: number): boolean
  /** how many distinct blocks */
  readonly size: number
}

/**
 * A node of a path-compressed binary trie: it stands for the first `length`
 * bits of `key`; its children differ at bit `length`. A node is a block of
 * the set, or only the point where two blocks branch apart.
 */
interface TrieNode {
  key: Uint32Array
  length: number
  isBlock: boolean
  /** -Infinity for a branching point, so it never covers anything */
  expiresAt: number
  zero: TrieNode | null
  one: TrieNode | null
}

interface Trie {
  root: TrieNode | null
  /** 32 or 128 */
  bits: number
}

function bitAt (key: Uint32Array, index: number): number {
  return ((key[index >>> 5] as number) >>> (31 - (index & 31))) & 1
}

/** How many leading bits `a` and `b` share, at most `limit`. */
function sharedBits (a: Uint32Array, b: Uint32Array, limit: number): number {
  for (let word = 0; word * 32 < limit; word++) {
    const diff = (a[word] as number) ^ (b[word] as number)
    if (diff !== 0) return Math.min(limit, word * 32 + Math.clz32(diff))
  }
  return limit
}

function truncatedKey (key: Uint32Array, length: number): Uint32Array {
  const copy = new Uint32Array(key.length)
  for (let word = 0; word < key.length; word++) {
    const keep = Math.min(32, Math.max(0, length - word * 32))
    // a shift by 32 is a shift by 0 in JavaScript, hence the explicit case
    copy[word] = keep === 0 ? 0 : (key[word] as number) & (0xffffffff << (32 - keep))
  }
  return copy
}

function blockNode (key: Uint32Array, length: number, expiresAt: number): TrieNode {
  return { key: truncatedKey(key, length), length, isBlock: true, expiresAt, zero: null, one: null }
}

function branchNode (key: Uint32Array, length: number): TrieNode {
  return { key: truncatedKey(key, length), length, isBlock: false, expiresAt: -Infinity, zero: null, one: null }
}

function setChild (parent: TrieNode, child: TrieNode): void {
  if (bitAt(child.key, parent.length) === 0) parent.zero = child
  else parent.one = child
}

/** Inserts the block `key/length`; returns whether it is a new block. */
function insert (trie: Trie, key: Uint32Array, length: number, expiresAt: number): boolean {
  let parent: TrieNode | null = null
  let node = trie.root
  while (node !== null) {
    const shared = sharedBits(node.key, key, Math.min(node.length, length))
    if (shared < node.length) {
      // the new block sits above `node` (shared === length) or branches off beside it
      const above = shared === length ? blockNode(key, length, expiresAt) : branchNode(key, shared)
      setChild(above, node)
      if (shared < length) setChild(above, blockNode(key, length, expiresAt))
      if (parent === null) trie.root = above
      else setChild(parent, above)
      return true
    }
    if (node.length === length) {
      if (node.isBlock) {
        node.expiresAt = Math.max(node.expiresAt, expiresAt)
        return false
      }
      node.isBlock = true
      node.expiresAt = expiresAt
      return true
    }
    parent = node
    node = bitAt(key, node.length) === 0 ? node.zero : node.one
  }
  const leaf = blockNode(key, length, expiresAt)
  if (parent === null) trie.root = leaf
  else setChild(parent, leaf)
  return true
}

function covers (trie: Trie, key: Uint32Array, now: number): boolean {
  let node = trie.root
  while (node !== null) {
    if (sharedBits(node.key, key, node.length) < node.length) return false
    if (node.expiresAt > now) return true
    if (node.length === trie.bits) return false
    node = bitAt(key, node.length) === 0 ? node.zero : node.one
  }
  return false
}

function bytesToWords (bytes: Uint8Array, offset: number, words: Uint32Array): void {
  for (let word = 0; word < words.length; word++) {
    const at = offset + word * 4
    words[word] = ((bytes[at] as number) << 24 | (bytes[at + 1] as number) << 16 | (bytes[at + 2] as number) << 8 | (bytes[at + 3] as number)) >>> 0
  }
}

// Scratch space for lookups: the request path allocates nothing. Lookups
// are synchronous, so one set of buffers serves every IpSet.
const scratchBytes = new Uint8Array(16)
const scratchV4 = new Uint32Array(1)
const scratchV6 = new Uint32Array(4)

export function createIpSet (cidrs?: Iterable<Cidr>): IpSet {
  const v4: Trie = { root: null, bits: 32 }
  const v6: Trie = { root: null, bits: 128 }
  let size = 0

  function hasV4 (address: number, now: number): boolean {
    scratchV4[0] = address
    return covers(v4, scratchV4, now)
  }

  function hasBytes (family: 4 | 6, bytes: Uint8Array, now = 0): boolean {
    if (family === 4 && bytes.length === 4) {
      bytesToWords(bytes, 0, scratchV4)
      return covers(v4, scratchV4, now)
    }
    if (family !== 6 || bytes.length !== 16) return false
    if (isIpv4Mapped(bytes)) {
      bytesToWords(bytes, 12, scratchV4)
      return covers(v4, scratchV4, now)
    }
    bytesToWords(bytes, 0, scratchV6)
    return covers(v6, scratchV6, now)
  }

  const set: IpSet = {
    add (cidr: Cidr, expiresAt = Infinity): void {
      const { family, bytes, prefix } = cidr
      // an unreadable expiry (NaN from a bad date) counts as already past: it admits nobody
      if (Number.isNaN(expiresAt)) expiresAt = -Infinity
      const valid = (family === 4 && bytes.length === 4 && prefix >= 0 && prefix <= 32) ||
        (family === 6 && bytes.length === 16 && prefix >= 0 && prefix <= 128)
      if (!valid || !Number.isInteger(prefix)) {
        throw new TypeError(`IpSet.add: not a parsed CIDR (family ${family}, ${bytes.length} bytes, prefix ${prefix}); use parseCidr`)
      }
      let added: boolean
      if (family === 6 && prefix >= 96 && isIpv4Mapped(bytes)) {
        // the same fold parseCidr makes, for a Cidr built by hand
        added = insert(v4, wordsOf(bytes.subarray(12)), prefix - 96, expiresAt)
      } else {
        added = insert(family === 4 ? v4 : v6, wordsOf(bytes), prefix, expiresAt)
      }
      if (added) size++
    },

    has (ip: string, now = 0): boolean {
      if (typeof ip !== 'string') return false
      const address = parseIpv4Number(ip)
      if (address !== -1) return v4.root !== null && hasV4(address, now)
      if (!parseIpv6Into(ip, scratchBytes)) return false
      return hasBytes(6, scratchBytes, now)
    },

    hasBytes,

    get size (): number {
      return size
    }
  }
  if (cidrs !== undefined) for (const cidr of cidrs) set.add(cidr)
  return set
}

function wordsOf (bytes: Uint8Array): Uint32Array {
  const words = new Uint32Array(bytes.length / 4)
  bytesToWords(bytes, 0, words)
  return words
}

/** What a lookup needs of a set: enough for the union of several. */
export type AddressSet = Pick<IpSet, 'has' | 'hasBytes' | 'size'>

/** Whether any of the sets covers an address; the sets are read when asked, so they may still grow. */
export function unionOf (first: AddressSet, second: AddressSet): AddressSet {
  return {
    has: (ip, now) => (first.size > 0 && first.has(ip, now)) || (second.size > 0 && second.has(ip, now)),
    hasBytes: (family, bytes, now) => (first.size > 0 && first.hasBytes(family, bytes, now)) || (second.size > 0 && second.hasBytes(family, bytes, now)),
    get size (): number {
      return first.size + second.size
    }
  }
}
