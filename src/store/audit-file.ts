import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import type { AuditEntry } from '../state/types.js'

/** How much of the file one read takes, walking back from the end. */
const CHUNK_BYTES = 64 * 1024
/** A longer line (a whole-list entry of an old audit) is passed over rather than held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024
/** One readAudit reads at most this much of the file, however many entries it was asked for. */
export const MAX_READ_BYTES = 64 * 1024 * 1024

/**
 * The audit log opened for an append: never through a symlink (O_NOFOLLOW),
 * so a link planted in its place cannot make the gatekeeper write elsewhere;
 * and only a regular file (O_NONBLOCK keeps a planted FIFO from hanging the open).
 */
export async function openAuditForAppend (path: string): Promise<FileHandle> {
  const file = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o600)
  return await regularFile(file, path)
}

async function regularFile (file: FileHandle, path: string): Promise<FileHandle> {
  try {
    if (!(await file.stat()).isFile()) throw new Error(`${path} is not a regular file`)
    return file
  } catch (err) {
    await file.close()
    throw err
  }
}

/** The audit log opened for reading, not through a symlink either; null when there is none. */
export async function openAuditForRead (path: string): Promise<FileHandle | null> {
  let file: FileHandle
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  return await regularFile(file, path)
}

/** Cuts the log back to `size` bytes, durably: the undo of an append. */
export async function truncateAudit (path: string, size: number): Promise<void> {
  const file = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW)
  try {
    await file.truncate(size)
    await file.sync()
  } finally {
    await file.close()
  }
}

/** One line of the log, found walking back from the end. */
export interface Segment {
  /** the offset of its first byte */
  start: number
  /** its text; null when it is longer than MAX_LINE_BYTES */
  text: string | null
  /** true for what follows the last newline: a line torn by a crash (or nothing, '') */
  tail: boolean
}

async function readFully (file: FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let done = 0
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return done
}

/**
 * The lines of the first `size` bytes of the log, last first, read in chunks
 * from the end: the newest entries of a long log cost no more than their own
 * bytes. The first segment yielded is the tail after the last newline.
 */
export async function * segmentsBackwards (file: FileHandle, size: number): AsyncGenerator<Segment> {
  const buffer = Buffer.alloc(CHUNK_BYTES)
  let parts: Buffer[] = []
  let length = 0
  let oversized = false
  let tail = true
  const add = (piece: Buffer): void => {
    if (oversized || piece.length === 0) return
    if (length + piece.length > MAX_LINE_BYTES) {
      oversized = true
      parts = []
      length = 0
      return
    }
    parts.push(Buffer.from(piece))
    length += piece.length
  }
  const finish = (start: number): Segment => {
    const segment = { start, text: oversized ? null : Buffer.concat(parts.reverse()).toString('utf8'), tail }
    parts = []
    length = 0
    oversized = false
    tail = false
    return segment
  }
  let position = size
  while (position > 0) {
    const wanted = Math.min(CHUNK_BYTES, position)
    position -= wanted
    const got = await readFully(file, buffer, wanted, position)
    if (got < wanted) throw new Error('the audit log shrank while it was read')
    const chunk = buffer.subarray(0, wanted)
    let end = wanted
    for (let newline = chunk.lastIndexOf(10, end - 1); newline !== -1; newline = end === 0 ? -1 : chunk.lastIndexOf(10, end - 1)) {
      add(chunk.subarray(newline + 1, end))
      yield finish(position + newline + 1)
      end = newline
    }
    add(chunk.subarray(0, end))
  }
  yield finish(0)
}

export function parseEntry (text: string | null): AuditEntry | null {
  if (text === null || text === '') return null
  try {
    const entry = JSON.parse(text) as unknown
    if (typeof entry !== 'object' || entry === null || typeof (entry as AuditEntry).version !== 'number') return null
    return entry as AuditEntry
  } catch {
    return null
  }
}

/**
 * The newest `limit` entries of the first `size` bytes, newest first. Lines
 * that cannot be read (torn by a crash, longer than MAX_LINE_BYTES) are
 * passed over; the read stops after MAX_READ_BYTES.
 */
export async function readAuditNewestFirst (path: string, limit: number, size?: number): Promise<AuditEntry[]> {
  const file = await openAuditForRead(path)
  if (file === null) return []
  try {
    const actual = (await file.stat()).size
    // a log rotated away since the last write is shorter than the size the store last wrote
    const end = size === undefined ? actual : Math.min(size, actual)
    const entries: AuditEntry[] = []
    for await (const segment of segmentsBackwards(file, end)) {
      if (end - segment.start > MAX_READ_BYTES && entries.length > 0) break
      if (segment.tail) continue
      const entry = parseEntry(segment.text)
      if (entry !== null) entries.push(entry)
      if (entries.length >= limit) break
    }
    return entries
  } finally {
    await file.close()
  }
}

/** What the end of the log says about the state file beside it. */
export interface AuditTail {
  size: number
  /** where the log should end: before a torn last line and the entries of changes that never reached the state */
  keep: number
  /** bytes of a torn last line */
  torn: number
  /** entries for versions newer than the state's, newest first: changes that did not happen */
  notApplied: AuditEntry[]
  /** the newest readable entry not ahead of the state (null when there is none) */
  last: AuditEntry | null
}

/**
 * Reads the end of the log against the stored version (null: no state is
 * stored). Stops at the first entry that is not ahead of the state.
 */
export async function inspectAuditTail (path: string, storedVersion: number | null): Promise<AuditTail> {
  const file = await openAuditForRead(path)
  if (file === null) return { size: 0, keep: 0, torn: 0, notApplied: [], last: null }
  try {
    const size = (await file.stat()).size
    const result: AuditTail = { size, keep: size, torn: 0, notApplied: [], last: null }
    // past a line that cannot be read, nothing more is cut: only what is understood is taken back
    let judging = true
    for await (const segment of segmentsBackwards(file, size)) {
      if (size - segment.start > MAX_READ_BYTES) break
      if (segment.tail) {
        result.torn = size - segment.start
        result.keep = segment.start
        continue
      }
      const entry = parseEntry(segment.text)
      if (entry === null) {
        if (segment.text !== '') judging = false
        continue
      }
      if (storedVersion !== null && entry.version > storedVersion) {
        if (judging) {
          result.notApplied.push(entry)
          result.keep = segment.start
        }
        continue
      }
      result.last = entry
      break
    }
    return result
  } finally {
    await file.close()
  }
}
