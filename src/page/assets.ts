import { createHash } from 'node:crypto'
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { extname, join } from 'node:path'

export interface Asset {
  body: Buffer
  contentType: string
  /** a strong ETag, quotes included */
  etag: string
}

const CONTENT_TYPES = new Map<string, string>([
  ['.css', 'text/css; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.html', 'text/html; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.webp', 'image/webp'],
  ['.avif', 'image/avif'],
  ['.ico', 'image/x-icon'],
  ['.woff', 'font/woff'],
  ['.woff2', 'font/woff2']
])

/**
 * One path segment of a servable name: starts with a letter, digit or '_'
 * (so no hidden files and no '.' or '..'), then only characters that need no
 * encoding in a URL.
 */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/

/** Assets are held in memory for the whole window; these bound what a stray file can cost. */
const LARGEST_ASSET = 2 * 1024 * 1024
const LARGEST_TOTAL = 16 * 1024 * 1024
const MOST_FILES = 500
const DEEPEST = 4

function readRegularFile (path: string): Buffer {
  // O_NOFOLLOW: a file swapped for a symbolic link after the listing is still refused.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const stat = fstatSync(fd)
    if (!stat.isFile()) throw new Error('it is not a regular file')
    if (stat.size > LARGEST_ASSET) throw new Error(`it is ${stat.size} bytes; an asset may be at most ${LARGEST_ASSET}`)
    return readFileSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Loads the files under `<dir>/assets/`, once, at start-up, for
 * `/__gatekeeper/assets/<name>`. A request is answered from this map by name
 * alone, so no request path ever reaches the file system. Names that are not
 * plainly safe, hidden files, symbolic links and oversized files are left out
 * and reported in `problems`; a missing assets directory is not a problem.
 */
export function loadAssets (dir: string, problems: string[] = []): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  const root = join(dir, 'assets')
  let total = 0

  const walk = (folder: string, prefix: string, depth: number): void => {
    let entries
    try {
      entries = readdirSync(folder, { withFileTypes: true })
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (!(depth === 0 && code === 'ENOENT')) problems.push(`cannot read the assets in ${folder}: ${(err as Error).message}`)
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue
      const path = join(folder, entry.name)
      const name = prefix + entry.name
      if (!SAFE_SEGMENT.test(entry.name) || entry.name.includes('..')) {
        problems.push(`not serving ${path}: asset names may hold only letters, digits, '.', '_' and '-'`)
      } else if (entry.isSymbolicLink()) {
        problems.push(`not serving ${path}: symbolic links are not followed`)
      } else if (entry.isDirectory()) {
        if (depth + 1 < DEEPEST) walk(path, name + '/', depth + 1)
        else problems.push(`not serving ${path}: assets may be nested at most ${DEEPEST - 1} folders deep`)
      } else if (!entry.isFile()) {
        problems.push(`not serving ${path}: it is not a regular file`)
      } else if (assets.size >= MOST_FILES) {
        problems.push(`not serving ${path}: at most ${MOST_FILES} assets are served`)
      } else {
        let body: Buffer
        try {
          body = readRegularFile(path)
        } catch (err) {
          problems.push(`not serving ${path}: ${(err as Error).message}`)
          continue
        }
        if (total + body.length > LARGEST_TOTAL) {
          problems.push(`not serving ${path}: the assets would exceed ${LARGEST_TOTAL} bytes in all`)
          continue
        }
        total += body.length
        assets.set(name, {
          body,
          contentType: CONTENT_TYPES.get(extname(entry.name).toLowerCase()) ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
        })
      }
    }
  }

  walk(root, '', 0)
  return assets
}
