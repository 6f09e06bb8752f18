import { mkdir, readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { errors } from '../errors.js'
import type { State } from '../state/types.js'
import { parseStoredState } from '../state/validate.js'
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

    async read () {
      let text: string
      try {
        text = await readFile(path, 'utf8')
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
        throw new errors.GK_ERR_STORE_CORRUPT(path, `it cannot be read (${(err as Error).message})`)
      }
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (err) {
        throw new errors.GK_ERR_STORE_CORRUPT(path, `it is not valid JSON (${(err as Error).message}); remove it to start from the state in Redis or the configured initial mode`)
      }
      return parseStoredState(json, path)
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
