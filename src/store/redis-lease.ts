import { randomBytes } from 'node:crypto'
import type { Lease } from '../state/lease.js'
import { luaScript, type RedisConnection } from './redis-connection.js'

/*
 * A lease is one key holding its holder's random token, set with NX and a
 * time to live. Only the holder may extend or delete it: both check the
 * token inside Redis, so a holder whose lease lapsed and was taken by
 * another instance cannot renew or release the new holder's lease.
 */

/** KEYS: the lease. ARGV: the holder's token, the time to live in ms. 1 when extended, 0 when held by another or by nobody. */
const extendIfHeld = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`)

/** KEYS: the lease. ARGV: the holder's token. */
const deleteIfHeld = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

/**
 * The lease `name` of one deployment, held for `ttlMs` after each successful
 * `tryAcquire`. While Redis cannot be reached the answer is "not held": an
 * instance that cannot prove it holds the lease must not act as if it did.
 */
export function createRedisLease (connection: RedisConnection, name: string, ttlMs: number): Lease {
  if (!Number.isInteger(ttlMs) || ttlMs < 100) throw new RangeError(`a lease needs a time to live of at least 100 ms, got ${ttlMs}`)
  const key = `${connection.keys.leasePrefix}${name}`
  const token = randomBytes(16).toString('base64url')

  return {
    async tryAcquire () {
      if (!connection.isReady()) return false
      try {
        if (await connection.client.set(key, token, 'PX', ttlMs, 'NX') === 'OK') return true
        return Number(await connection.runScript(extendIfHeld, [key], [token, ttlMs])) === 1
      } catch {
        return false
      }
    },

    async release () {
      if (!connection.isReady()) return
      // left alone, the key expires by itself
      await connection.runScript(deleteIfHeld, [key], [token]).catch(() => {})
    }
  }
}
