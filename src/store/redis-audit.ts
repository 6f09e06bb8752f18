import type { AuditEntry } from '../state/types.js'
import { asStoreError, type RedisConnection } from './redis-connection.js'

/**
 * The audit log of a Redis deployment: a stream, trimmed to about `maxLen`
 * entries, one JSON entry per stream record. Changes append to it inside
 * their compare-and-set script; notes and reads come through here.
 */
export function createRedisAudit (connection: RedisConnection, maxLen: number) {
  const { keys, target } = connection
  return {
    async append (entry: AuditEntry): Promise<void> {
      try {
        await connection.client.xadd(keys.audit, 'MAXLEN', '~', maxLen, '*', 'entry', JSON.stringify(entry))
      } catch (err) {
        throw asStoreError(err, target)
      }
    },

    /** Newest first. */
    async read (limit: number): Promise<AuditEntry[]> {
      let rows: Array<[id: string, fields: string[]]>
      try {
        rows = await connection.client.xrevrange(keys.audit, '+', '-', 'COUNT', limit)
      } catch (err) {
        throw asStoreError(err, target)
      }
      const entries: AuditEntry[] = []
      for (const [, fields] of rows) {
        const at = fields.indexOf('entry')
        if (at === -1 || at + 1 >= fields.length) continue
        try {
          entries.push(JSON.parse(fields[at + 1] as string) as AuditEntry)
        } catch {
          // an entry written by something else: the others are still worth showing
        }
      }
      return entries
    }
  }
}
