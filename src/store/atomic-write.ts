import { open, rename, unlink } from 'node:fs/promises'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the
 * old file or the new one, never half of either: temp file, fsync, rename,
 * then fsync of the directory so the rename itself is durable.
 */
export async function writeFileAtomic (path: string, data: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const file = await open(temp, 'w', 0o600)
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
  const dir = await open(dirname(path), 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

/** Appends one line and waits until it is on disk. */
export async function appendLineDurable (path: string, line: string): Promise<void> {
  const file = await open(path, 'a', 0o600)
  try {
    await file.appendFile(line + '\n')
    await file.sync()
  } finally {
    await file.close()
  }
}
