import { STATE_FILE_MISSING } from '../state/own-reasons.js'
import type { FileHandle } from 'node:fs/promises'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { errors } from '../errors.js'
import { buildAuditEntry, stampState } from '../state/audit.js'
import { initialState } from '../state/initial.js'
import type { AuditEntry, ChangeContext, State } from '../state/types.js'
import { RenameNotDurableError, writeFileAtomic } from './atomic-write.js'
import { inspectAuditTail, openAuditForAppend, readAuditNewestFirst, truncateAudit, type AuditTail } from './audit-file.js'
import { createLocalRegistry, type InstanceRegistry } from './instances.js'
import { createLocalLease } from './local-lease.js'
import { readStateFile } from './read-state-file.js'
import type { Mutation, Store, StoreHealth } from './store.js'

/** Where the file store says what it found at start-up; a pino logger fits. */
export interface StoreLog {
  warn (fields: object, message: string): void
  error (fields: object, message: string): void
}

export interface FileStoreOptions {
  /** the state document, e.g. var/state.json */
  path: string
  /** the append-only audit log; defaults to audit.jsonl beside the state */
  auditPath?: string
  logger?: StoreLog
}

/** The reason of the closed state a lost state file is replaced with; shown to the public, so no paths. */
export { STATE_FILE_MISSING }

const SILENT: StoreLog = { warn () {}, error () {} }

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function unavailable (message: string): Error {
  return new errors.GK_ERR_STORE_UNAVAILABLE(message)
}

/** An unapplied change as the reconciliation note names it. */
function summary (entry: AuditEntry): Record<string, unknown> {
  return { version: entry.version, at: entry.at, actor: entry.actor, ip: entry.ip, action: entry.action, after: entry.after }
}

/**
 * The embedded store: one JSON file written atomically, and the audit log as
 * JSON lines. One gatekeeper process owns a state file; changes within it are
 * serialised so that read-modify-write never interleaves.
 *
 * A change is one transaction over the two files: both its audit entry and
 * its state are durable, or neither is and the old state stays in force, in
 * memory and on disk.
 *  1. The audit log is opened (never through a symlink), its size noted, the
 *     entry appended and fsynced. If that fails, the log is cut back to the
 *     noted size and nothing else has been written.
 *  2. The state is written atomically (temp file, fsync, rename, directory
 *     fsync). If that fails before the rename, the old state is still on disk
 *     and the log is cut back. If the rename happened but the directory sync
 *     failed, the old state is written back first, then the log cut back.
 *  3. Only then does the store hold the new state and tell its listeners.
 * Should an undo itself fail, disk and memory may disagree: the store refuses
 * every change until a restart reconciles them.
 * A crash between 1 and 2 leaves the log's last entry newer than the state:
 * init() takes that entry back (the change did not happen) and notes it in
 * the log. A torn last line is cut the same way. So every state on disk has
 * its entry, and no entry stands for a change that is not on disk.
 */
export function createFileStore (options: FileStoreOptions): Store {
  const path = options.path
  const auditPath = options.auditPath ?? join(dirname(path), 'audit.jsonl')
  const logger = options.logger ?? SILENT
  const listeners: Array<(state: State) => void> = []
  let current: State | null = null
  let queue: Promise<unknown> = Promise.resolve()
  let lastError: string | undefined
  /** set when an undo failed: changes are refused until a restart */
  let stuck: string | undefined
  /** set while the state is the closed stand-in for a lost state file */
  let recovered: string | undefined
  /** the audit log's length after the last transaction: a read never shows an entry still being decided */
  let committedSize: number | null = null
  const registries: InstanceRegistry[] = []

  function serialised<T> (work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work)
    queue = run.catch(() => {})
    return run
  }

  function readStored (): Promise<State | null> {
    return readStateFile(path, 'restore it from a backup, or remove it (with a history in the audit log, the gate then starts closed)')
  }

  function fail (message: string): never {
    lastError = message
    throw unavailable(`${message}; the change was not applied`)
  }

  /** After a failed state write: the old state back on disk, then the audit entry taken back. */
  async function undo (file: FileHandle, size: number, err: unknown, previous: State | null): Promise<void> {
    if (err instanceof RenameNotDurableError) {
      if (previous === null) {
        stuck = `${path} may hold a state the store did not apply (${err.message})`
        return
      }
      try {
        await writeFileAtomic(path, JSON.stringify(previous, null, 2) + '\n')
      } catch (again) {
        stuck = `${path} may hold a state the store did not apply, and the previous one could not be written back (${messageOf(again)})`
        return
      }
    }
    try {
      await file.truncate(size)
      await file.sync()
    } catch (again) {
      stuck = `the audit log ${auditPath} holds an entry for a change that was not applied and could not be cut back (${messageOf(again)})`
    }
  }

  /** The transaction described above; `next` null appends an entry that changes no state. */
  async function commit (entry: AuditEntry, next: State | null, previous: State | null): Promise<void> {
    if (stuck !== undefined) throw unavailable(`${stuck}; restart gatekeeper to reconcile the audit log with the state`)
    let file: FileHandle
    try {
      file = await openAuditForAppend(auditPath)
    } catch (err) {
      fail(`cannot write the audit log ${auditPath}: ${messageOf(err)}`)
    }
    try {
      const line = JSON.stringify(entry) + '\n'
      let size: number | undefined
      try {
        size = (await file.stat()).size
        await file.writeFile(line)
        await file.sync()
      } catch (err) {
        // a partial line must not stay in front of the next entry
        if (size !== undefined) await undo(file, size, err, previous)
        fail(`cannot write the audit log ${auditPath}: ${messageOf(err)}`)
      }
      if (next !== null) {
        try {
          await writeFileAtomic(path, JSON.stringify(next, null, 2) + '\n')
        } catch (err) {
          await undo(file, size, err, previous)
          fail(`cannot write ${path}: ${messageOf(err)}`)
        }
      }
      committedSize = size + Buffer.byteLength(line)
      lastError = undefined
    } finally {
      await file.close().catch(() => {})
    }
  }

  /** Start-up: cut what the log says about changes that never reached the state, and say so. */
  async function reconcile (tail: AuditTail, stored: State | null): Promise<void> {
    if (tail.keep < tail.size) {
      await truncateAudit(auditPath, tail.keep)
      logger.warn({ auditPath, torn: tail.torn, notApplied: tail.notApplied.map((entry) => entry.version) },
        'the audit log ended with changes that never reached the state (a crash between the two writes): they were taken back')
    }
    committedSize = tail.keep
    if (stored === null) return
    const reconciled = async (after: Record<string, unknown>): Promise<void> => {
      await commit({ version: stored.version, at: new Date().toISOString(), actor: 'gatekeeper', ip: '', action: 'audit.reconciled', before: null, after }, null, null)
    }
    if (tail.notApplied.length > 0 || tail.torn > 0) {
      await reconciled({ notApplied: tail.notApplied.map(summary), ...(tail.torn > 0 ? { tornBytes: tail.torn } : {}) })
    }
    if (tail.last !== null && tail.last.version < stored.version) {
      logger.error({ path, auditPath, audited: tail.last.version, stored: stored.version }, 'the state file is newer than its audit log: the changes between have no audit entry')
      await reconciled({ unaudited: { from: tail.last.version, to: stored.version } })
    }
  }

  /** No state document but a history: not a fresh install. Start closed, and say why. */
  async function recover (tail: AuditTail): Promise<State> {
    const version = (tail.last?.version ?? 0) + 1
    const state: State = { ...initialState('closed', STATE_FILE_MISSING), version }
    await commit(buildAuditEntry(null, state, { actor: 'gatekeeper', ip: '', action: 'recover' }), state, null)
    recovered = `state file missing: ${path} is gone while the audit log ${auditPath} holds history; started closed at version ${version}, not in the initial mode: check, then open on purpose`
    logger.error({ path, auditPath, version }, `the state file is missing but the audit log holds history, so this is no fresh install: starting closed (${recovered})`)
    return state
  }

  function emit (state: State): void {
    for (const listener of listeners) listener(state)
  }

  return {
    kind: 'file',

    init (initial) {
      return serialised(async () => {
        await mkdir(dirname(path), { recursive: true })
        await mkdir(dirname(auditPath), { recursive: true })
        const stored = await readStored()
        let tail: AuditTail
        try {
          tail = await inspectAuditTail(auditPath, stored === null ? null : stored.version)
        } catch (err) {
          throw new errors.GK_ERR_STORE_CORRUPT(auditPath, `the audit log cannot be read (${messageOf(err)}); the state is not served without it`)
        }
        await reconcile(tail, stored)
        if (stored !== null) {
          current = stored
        } else if (tail.keep > 0) {
          current = await recover(tail)
        } else {
          await commit(buildAuditEntry(null, initial, { actor: 'gatekeeper', ip: '', action: 'init' }), initial, null)
          current = initial
        }
        return current
      })
    },

    update (ctx: ChangeContext, mutation: Mutation, expectedVersion?: number) {
      return serialised(async () => {
        if (current === null) throw new errors.GK_ERR_STORE_UNAVAILABLE('the store was not initialised')
        if (expectedVersion !== undefined && expectedVersion !== current.version) {
          throw new errors.GK_ERR_VERSION_MISMATCH(current.version, expectedVersion)
        }
        const before = current
        const next = stampState(before, mutation(before), ctx)
        await commit(buildAuditEntry(before, next, ctx), next, before)
        current = next
        recovered = undefined
        emit(next)
        return next
      })
    },

    note (ctx, detail) {
      return serialised(async () => {
        const version = current?.version ?? 0
        await commit({ version, at: new Date().toISOString(), actor: ctx.actor, ip: ctx.ip, action: ctx.action, before: null, after: detail }, null, null)
      })
    },

    async readAudit (limit) {
      try {
        return await readAuditNewestFirst(auditPath, limit, committedSize ?? undefined)
      } catch (err) {
        throw unavailable(`cannot read the audit log ${auditPath}: ${messageOf(err)}`)
      }
    },

    subscribe (listener) {
      listeners.push(listener)
    },

    health (): StoreHealth {
      const problem = stuck ?? lastError ?? recovered
      return problem === undefined ? { ok: true } : { ok: false, message: problem }
    },

    registry () {
      const registry = createLocalRegistry()
      registries.push(registry)
      return registry
    },

    lease () {
      return createLocalLease()
    },

    async close () {
      await Promise.all(registries.map((registry) => registry.close()))
      await queue
    }
  }
}
