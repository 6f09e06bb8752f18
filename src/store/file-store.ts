import { readStateFile } from './read-state-file.js'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { errors } from '../errors.js'
import { buildAuditEntry, stampState } from '../state/audit.js'
import type { AuditEntry, State } from '../state/types.js'
import { appendLineDurable, writeFileAtomic } from './atomic-write.js'
import type { ChangeContext, Mutation, Store, StoreHealth } from './store.js'

export interface FileStoreOptions {
  /** the state document, e.g. var/state.json */
  path: string
  /** the append-only audit log; defaults to audit.jsonl beside the state */
  auditPath?: string
}

/**
 * The embedded store: one JSON file written atomically, and the audit log as
 * JSON lines. One gatekeeper process owns a state file; changes within it are
 * serialised so that read-modify-write never interleaves.
 */
export function createFileStore (options: FileStoreOptions): Store {
  const path = options.path
  const auditPath = options.auditPath ?? join(dirname(path), 'audit.jsonl')
  const listeners: Array<(state: State) => void> = []
  let current: State | null = null
  let queue: Promise<unknown> = Promise.resolve()
  let lastError: string | undefined

  function serialised<T> (work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work)
    queue = run.catch(() => {})
    return run
  }

  function readStored (): Promise<State | null> {
    return readStateFile(path, 'restore it from a backup or remove it to start from the configured initial mode')
  }

  async function persist (state: State): Promise<void> {
    try {
      await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n')
      lastError = undefined
    } catch (err) {
      lastError = `cannot write ${path}: ${(err as Error).message}`
      throw new errors.GK_ERR_STORE_UNAVAILABLE(`${lastError}; the change was not applied`)
    }
  }

  async function appendAudit (entry: AuditEntry): Promise<void> {
    await appendLineDurable(auditPath, JSON.stringify(entry))
  }

  function emit (state: State): void {
    for (const listener of listeners) listener(state)
  }

  return {
    kind: 'file',

    init (initial) {
      return serialised(async () => {
        await mkdir(dirname(path), { recursive: true })
        const stored = await readStored()
        if (stored !== null) {
          current = stored
          return stored
        }
        await persist(initial)
        await appendAudit(buildAuditEntry(null, initial, { actor: 'gatekeeper', ip: '', action: 'init' }))
        current = initial
        return initial
      })
    },

    update (ctx: ChangeContext, mutation: Mutation, expectedVersion?: number) {
      return serialised(async () => {
        if (current === null) current = await readStored()
        if (current === null) throw new errors.GK_ERR_STORE_UNAVAILABLE('the store was not initialised')
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw new errors.GK_ERR_VERSION_MISMATCH(current.version, expectedVersion)
        }
        const before = current
        const next = stampState(before, mutation(before), ctx)
        await persist(next)
        current = next
        await appendAudit(buildAuditEntry(before, next, ctx))
        emit(next)
        return next
      })
    },

    note (ctx, detail) {
      return serialised(async () => {
        const version = current?.version ?? 0
        await appendAudit({ version, at: new Date().toISOString(), actor: ctx.actor, ip: ctx.ip, action: ctx.action, before: null, after: detail })
      })
    },

    async readAudit (limit) {
      let text: string
      try {
        text = await readFile(auditPath, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
        throw err
      }
      const lines = text.split('\n').filter((line) => line.length > 0)
      const entries: AuditEntry[] = []
      for (let i = lines.length - 1; i >= 0 && entries.length < limit; i--) {
        try {
          entries.push(JSON.parse(lines[i] as string) as AuditEntry)
        } catch {
          // a torn last line after a crash: the lines before it are intact
        }
      }
      return entries
    },

    onChange (listener) {
      listeners.push(listener)
    },

    health (): StoreHealth {
      return lastError === undefined ? { ok: true } : { ok: false, message: lastError }
    },

    async close () {
      await queue
    }
  }
}
