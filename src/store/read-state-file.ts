import { readFile } from 'node:fs/promises'
import { errors } from '../errors.js'
import type { State } from '../state/types.js'
import { parseStoredState } from '../state/validate.js'

/**
 * A state document from a file: null when there is none, the checked state
 * when it is sound, and GK_ERR_STORE_CORRUPT naming the file otherwise.
 * `remedy` tells the sysadmin what to do about a file that is not JSON.
 */
export async function readStateFile (path: string, remedy: string): Promise<State | null> {
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
    throw new errors.GK_ERR_STORE_CORRUPT(path, `it is not valid JSON (${(err as Error).message}); ${remedy}`)
  }
  return parseStoredState(json, path)
}
