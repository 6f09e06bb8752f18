import { createHash, createHmac } from 'node:crypto'

/** Buckets are 0..9999: a percentage with two decimals maps onto them exactly. */
export const BUCKETS = 10000

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/
const SIG_LENGTH = 16

/** The threshold a bucket must stay under to pass at `percent` (0..100, two decimals). */
export function thresholdOf (percent: number): number {
  return Math.round(percent * 100)
}

/**
 * A client's stable id: a digest of its key (its IP, or the configured
 * header's value), so the cookie never carries an address or an API key.
 */
export function clientIdOf (key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 22)
}

/**
 * One keyed digest gives both the cookie's signature and the bucket: the
 * seed is per window, so a new window reshuffles the order of admission,
 * and a client cannot pick an id that lands in an admitted bucket.
 */
function digest (seed: string, id: string): Buffer {
  return createHmac('sha256', seed).update(id).digest()
}

export function bucketOf (seed: string, id: string): number {
  return digest(seed, id).readUInt32BE(28) % BUCKETS
}

/** The cookie value that keeps a client in its bucket: `<id>.<signature>`. */
export function stickyCookieValue (seed: string, id: string): string {
  return `${id}.${digest(seed, id).subarray(0, 12).toString('base64url')}`
}

/** The id a sticky cookie carries, or null when it is malformed or signed for another window. */
export function idFromStickyCookie (seed: string, value: string): string | null {
  if (value.length !== 22 + 1 + SIG_LENGTH || value.charCodeAt(22) !== 46) return null
  const id = value.slice(0, 22)
  if (!ID_PATTERN.test(id)) return null
  return stickyCookieValue(seed, id) === value ? id : null
}
