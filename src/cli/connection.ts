import { readFileSync } from 'node:fs'
import type { ParsedArgs } from './args.js'
import { usageError } from './errors.js'

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:8081'

export interface Connection {
  /** the admin API's base, without credentials */
  url: URL
  /** never printed, never put in a message */
  token: string | undefined
}

// what the API accepts after "Bearer " (src/admin/auth.ts)
const TOKEN_TEXT = /^[\x21-\x7e]{1,512}$/

/**
 * Where the admin API is and which token to present: flags first, then
 * GATEKEEPER_URL / GATEKEEPER_TOKEN. --token-file keeps the secret out of
 * `ps` and the shell history.
 */
export function connectionOf (parsed: ParsedArgs, env: NodeJS.ProcessEnv): Connection {
  const urlText = parsed.string('url') ?? nonEmpty(env.GATEKEEPER_URL) ?? DEFAULT_ADMIN_URL
  const source = parsed.string('url') !== undefined ? '--url' : env.GATEKEEPER_URL !== undefined && env.GATEKEEPER_URL !== '' ? 'GATEKEEPER_URL' : 'the default URL'
  let url: URL
  try {
    url = new URL(urlText)
  } catch {
    throw usageError(`${source} must be a URL such as ${DEFAULT_ADMIN_URL}, got ${JSON.stringify(urlText)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${source} must start with http:// or https://, got ${JSON.stringify(url.protocol)}`)
  if (url.username !== '' || url.password !== '') throw usageError(`${source} must not carry credentials: give the token with --token or GATEKEEPER_TOKEN`)
  if (url.search !== '' || url.hash !== '') throw usageError(`${source} must not carry a query or fragment`)
  return { url, token: tokenOf(parsed, env) }
}

function tokenOf (parsed: ParsedArgs, env: NodeJS.ProcessEnv): string | undefined {
  const file = parsed.string('token-file')
  if (file !== undefined && parsed.string('token') !== undefined) throw usageError('give --token or --token-file, not both')
  let token: string | undefined
  let source: string
  if (file !== undefined) {
    try {
      token = readFileSync(file, 'utf8').trim()
    } catch (err) {
      throw usageError(`--token-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
    source = `--token-file ${file}`
  } else {
    token = parsed.string('token') ?? nonEmpty(env.GATEKEEPER_TOKEN)
    source = parsed.string('token') !== undefined ? '--token' : 'GATEKEEPER_TOKEN'
  }
  if (token !== undefined && !TOKEN_TEXT.test(token)) {
    throw usageError(`${source}: a token is 1 to 512 printable characters without spaces`)
  }
  return token
}

function nonEmpty (text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text
}
