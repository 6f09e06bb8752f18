import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The console's page; its files are served beside it, under this prefix. */
export const CONSOLE_PAGE = '/console'

/**
 * The files of the console's static shell, by name. A fixed list rather than
 * a directory listing: these are the only paths the admin listener answers
 * without a token, so adding one is a deliberate change here.
 */
export const CONSOLE_FILES = ['console.css', 'console.js', 'api.js', 'dialog.js', 'effects.js', 'render.js', 'format.js', 'timeline.js', 'sites.js'] as const

/** Every path served without a token: the shell holds no data, only code that asks for it with one. */
export const CONSOLE_PATHS: readonly string[] = [CONSOLE_PAGE, ...CONSOLE_FILES.map((name) => `${CONSOLE_PAGE}/${name}`)]

export interface ConsoleFile {
  body: Buffer
  contentType: string
  /** a strong ETag, quotes included */
  etag: string
}

export interface ConsoleShell {
  page: ConsoleFile
  /** keyed by file name, as in CONSOLE_FILES */
  files: Map<string, ConsoleFile>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8'
}

/**
 * tsc compiles only .ts, so the assets stay in the source tree; both
 * src/console/ and dist/src/console/ find them from the package root.
 */
export function defaultAssetsDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${dirname(fileURLToPath(import.meta.url))}: cannot find the console's assets`)
    dir = parent
  }
  return join(dir, 'src', 'console', 'assets')
}

function fileOf (dir: string, name: string): ConsoleFile {
  const path = join(dir, name)
  let body: Buffer
  try {
    body = readFileSync(path)
  } catch (err) {
    throw new Error(`the console's file ${path} cannot be read: ${(err as Error).message}`)
  }
  const contentType = CONTENT_TYPES[extname(name)]
  if (contentType === undefined) throw new Error(`the console's file ${path} has no known content type`)
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
}

/** Reads the shell once, at start-up; requests are answered from memory. */
export function loadConsoleShell (dir = defaultAssetsDir()): ConsoleShell {
  const files = new Map<string, ConsoleFile>()
  for (const name of CONSOLE_FILES) files.set(name, fileOf(dir, name))
  return { page: fileOf(dir, 'index.html'), files }
}
