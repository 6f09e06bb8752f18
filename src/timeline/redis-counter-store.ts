import type { RedisClient } from '../store/redis-connection.js'
import { RETENTION_MINUTES, type CounterStore } from './counter-store.js'
import { mergeMinutes, parseMinute, type MinuteRecord } from './minute.js'

export interface RedisCounterStoreOptions {
  client: RedisClient
  /** the deployment's key prefix, hash tag included on a cluster */
  base: string
  /** this instance's name among the others (a getter: it is known once the listener is up) */
  instanceId: () => string
  retentionMinutes?: number
}

/** A range wider than this is refused by the route; here it bounds the hashes read at once. */
const MAX_HOURS = Math.ceil(RETENTION_MINUTES / 60) + 24

/**
 * Counts shared by every instance: a hash an hour (`<prefix>timeline:<hour>`)
 * whose fields are `<instance>|<minute>`, each instance writing only its own,
 * the hash expiring a day after the retention ends. A read sums the
 * instances' fields of each minute. Bound: per instance, 60 fields of about
 * 0.4–1.5 KB an hour, for 8 days.
 */
export function createRedisCounterStore (options: RedisCounterStoreOptions): CounterStore {
  const { client, base, instanceId } = options
  const retention = options.retentionMinutes ?? RETENTION_MINUTES
  const ttlSeconds = (retention + 24 * 60) * 60
  const keyOf = (hour: number): string => `${base}timeline:${hour}`

  return {
    async write (record) {
      const key = keyOf(Math.floor(record.m / 60))
      await client.multi().hset(key, `${instanceId()}|${record.m}`, JSON.stringify(record)).expire(key, ttlSeconds).exec()
    },
    async range (fromMinute, toMinute) {
      const first = Math.floor(fromMinute / 60)
      const last = Math.min(Math.floor(toMinute / 60), first + MAX_HOURS)
      const pipeline = client.pipeline()
      for (let hour = first; hour <= last; hour++) pipeline.hgetall(keyOf(hour))
      const replies = (await pipeline.exec()) ?? []
      const byMinute = new Map<number, MinuteRecord[]>()
      for (const [err, hash] of replies) {
        if (err !== null || typeof hash !== 'object' || hash === null) continue
        for (const [field, text] of Object.entries(hash as Record<string, string>)) {
          const m = Number(field.slice(field.lastIndexOf('|') + 1))
          if (!(m >= fromMinute && m <= toMinute)) continue
          let record: MinuteRecord | null = null
          try {
            record = parseMinute(JSON.parse(text))
          } catch {}
          if (record === null) continue
          const list = byMinute.get(m)
          if (list === undefined) byMinute.set(m, [record])
          else list.push(record)
        }
      }
      return [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([m, list]) => mergeMinutes(m, list))
    },
    async close () {}
  }
}
