import { open, rename, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * The rename is done but the directory could not be synced: the new file is
 * in place, yet a crash may still bring the old one back. The caller cannot
 * tell which one a restart will find.
 */
export class RenameNotDurableError extends Error {
  constructor (path: string, cause: Error) {
    super(`${path} was replaced but its directory could not be synced: ${cause.message}`, { cause })
    this.name = 'RenameNotDurableError'
  }
}

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the
 * old file or the new one, never half of either: temp file, fsync, rename,
 * then fsync of the directory so the rename itself is durable. The temp file
 * is created exclusively (a name planted in advance, a symlink included, is
 * refused), and the rename replaces a symlink at `path` rather than follow it.
 */
export async function writeFileAtomic (path: string, data: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const file = await open(temp, 'wx', 0o600)
  try {
    await file.writeFile(data)
    await file.sync()
  } catch (err) {
    await file.close()
    await unlink(temp).catch(() => {})
    throw err
  }
  await file.close()
  try {
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => {})
    throw err
  }
  try {
    const dir = await open(dirname(path), 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  } catch (err) {
    throw new RenameNotDurableError(path, err as Error)
  }
}
