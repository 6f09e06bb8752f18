import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

const TOKEN_PREFIX = 'gkb_'
const TOKEN_PATTERN = /^gkb_[A-Za-z0-9_-]{43}$/

/** A new tester bypass token: shown once, stored only as its hash. */
export function generateBypassToken (): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

export function isWellFormedBypassToken (value: string): boolean {
  return value.length === 47 && TOKEN_PATTERN.test(value)
}

export function sha256Hex (value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

/**
 * Finds the name of the configured hash that `presented` hashes to. Every
 * candidate is compared, in constant time, so the timing says nothing about
 * which one (or how much of one) matched.
 */
export function matchHashedSecret<T extends { sha256: string }> (presented: string, candidates: readonly T[]): T | undefined {
  const digest = createHash('sha256').update(presented).digest()
  let found: T | undefined
  for (const candidate of candidates) {
    const expected = Buffer.from(candidate.sha256, 'hex')
    if (expected.length === digest.length && timingSafeEqual(expected, digest) && found === undefined) found = candidate
  }
  return found
}
