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

    /**
     * Whether the deployment has an audit history, for a store found without
     * a state document: null when there is no audit log at all (a fresh
     * install), else the highest version among its newest entries (0 when
     * none of them can be read).
     */
    async lastVersion (): Promise<number | null> {
      let rows: Array<[id: string, fields: string[]]>
      let exists: number
      try {
        rows = await connection.client.xrevrange(keys.audit, '+', '-', 'COUNT', NEWEST)
        exists = rows.length > 0 ? 1 : await connection.client.exists(keys.audit)
      } catch (err) {
        throw asStoreError(err, target)
      }
      if (exists === 0) return null
      return parseRows(rows).reduce((last, entry) => typeof entry.version === 'number' && entry.version > last ? entry.version : last, 0)
    },

    /** Newest first. */
    async read (limit: number): Promise<AuditEntry[]> {
      let rows: Array<[id: string, fields: string[]]>
      try {
        rows = await connection.client.xrevrange(keys.audit, '+', '-', 'COUNT', limit)
      } catch (err) {
        throw asStoreError(err, target)
      }
      return parseRows(rows)
    }
  }
}

/** How many of the newest entries are looked at for the last version: notes may follow a change. */
const NEWEST = 10

function parseRows (rows: Array<[id: string, fields: string[]]>): AuditEntry[] {
  const entries: AuditEntry[] = []
  for (const [, fields] of rows) {
    const at = fields.indexOf('entry')
    if (at === -1 || at + 1 >= fields.length) continue
    try {
      const entry: unknown = JSON.parse(fields[at + 1] as string)
      if (typeof entry === 'object' && entry !== null) entries.push(entry as AuditEntry)
    } catch {
      // an entry written by something else: the others are still worth showing
    }
  }
  return entries
}
