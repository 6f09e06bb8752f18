import { readStateFile } from './read-state-file.js'
import { mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { State } from '../state/types.js'
import { writeFileAtomic } from './atomic-write.js'

/**
 * The last state this instance learned from a shared store, kept on local
 * disk so that a boot while the store is down starts from it, not from a guess.
 */
export interface LocalCopy {
  readonly path: string
  /** null when there is none; GK_ERR_STORE_CORRUPT when it cannot be trusted */
  read (): Promise<State | null>
  /** Queues a write; a burst of changes ends with the newest on disk. */
  write (state: State): void
  /** Resolves when every queued write is done. */
  flush (): Promise<void>
}

export function createLocalCopy (path: string, onWriteError: (err: Error) => void): LocalCopy {
  let pending: State | null = null
  let writing: Promise<void> | null = null

  async function drain (): Promise<void> {
    await mkdir(dirname(path), { recursive: true }).catch(() => {})
    while (pending !== null) {
      const state = pending
      pending = null
      try {
        await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n')
      } catch (err) {
        onWriteError(err as Error)
      }
    }
    writing = null
  }

  return {
    path,

    read () {
      return readStateFile(path, 'remove it to start from the state in Redis or the configured initial mode')
    },

    write (state) {
      pending = state
      if (writing === null) writing = drain()
    },

    async flush () {
      for (let current = writing; current !== null; current = writing) await current
    }
  }
}
