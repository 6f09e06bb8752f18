import { cliErrors } from './errors.js'
import type { Connection } from './connection.js'

/** A call the admin API answered with an error: its own status, code and message, kept as they are. */
export class AdminRefusal extends Error {
  readonly statusCode: number
  readonly code: string
  readonly body: Record<string, unknown>

  constructor (statusCode: number, body: Record<string, unknown>) {
    const message = typeof body.message === 'string' ? body.message : `HTTP ${statusCode}`
    super(message)
    this.name = 'AdminRefusal'
    this.statusCode = statusCode
    this.code = typeof body.code === 'string' ? body.code : `HTTP_${statusCode}`
    this.body = body
  }
}

export interface CallOptions {
  body?: unknown
  query?: Record<string, string | number | undefined>
  /** sent as If-Match: "<version>" */
  ifMatch?: number
  timeoutMs?: number
  /** the call itself waits (?wait=…): running out of time is a timed-out wait, not an unreachable API */
  waiting?: boolean
}

export interface AdminAnswer {
  status: number
  etag: string | undefined
  body: unknown
}

export interface AdminClient {
  /** the base URL, for messages */
  readonly where: string
  call (method: string, path: string, options?: CallOptions): Promise<AdminAnswer>
}

const DEFAULT_TIMEOUT_MS = 15_000

/** `interrupted` (Ctrl-C) cancels the call in flight. */
export function createAdminClient (connection: Connection, interrupted?: AbortSignal): AdminClient {
  const base = connection.url.href.replace(/\/+$/, '')

  async function call (method: string, path: string, options: CallOptions = {}): Promise<AdminAnswer> {
    const target = new URL(base + path)
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) target.searchParams.set(key, String(value))
    }
    const headers: Record<string, string> = { accept: 'application/json' }
    if (connection.token !== undefined) headers.authorization = `Bearer ${connection.token}`
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS

    let response: Response
    let text: string
    try {
      response = await fetch(target, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        redirect: 'manual',
        signal: interrupted === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([interrupted, AbortSignal.timeout(timeoutMs)])
      })
      text = await response.text()
    } catch (err) {
      if (interrupted?.aborted === true) {
        throw new cliErrors.GK_ERR_INTERRUPTED(`${method === 'GET' ? '' : `: the ${method} ${path} call was sent and may have been applied; check with \`gatekeeper status\``}`)
      }
      throw transportError(err, base, timeoutMs, options.waiting === true)
    }

    const body = parseBody(text, response, base)
    if (response.status >= 400) {
      throw new AdminRefusal(response.status, isObject(body) ? body : { message: `HTTP ${response.status}` })
    }
    if (response.status >= 300) {
      throw new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`${base} answered with a redirect (HTTP ${response.status}) rather than as the Gatekeeper admin API`)
    }
    return { status: response.status, etag: response.headers.get('etag') ?? undefined, body }
  }

  return { where: base, call }
}

function parseBody (text: string, response: Response, base: string): unknown {
  if (text === '') return null
  const type = response.headers.get('content-type') ?? ''
  if (type.includes('json')) {
    try {
      return JSON.parse(text) as unknown
    } catch {}
  }
  throw new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`${base} answered HTTP ${response.status} with ${type === '' ? 'no content type' : type}, not as the Gatekeeper admin API`)
}

function transportError (err: unknown, base: string, timeoutMs: number, waiting: boolean): Error {
  const name = (err as { name?: string } | null)?.name
  if (name === 'TimeoutError' || name === 'AbortError') {
    return waiting
      ? new cliErrors.GK_ERR_WAIT_TIMEOUT(`no answer from ${base} within ${Math.round(timeoutMs / 1000)} s`)
      : new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`no answer from the admin API at ${base} within ${Math.round(timeoutMs / 1000)} s`)
  }
  const cause = (err as { cause?: { code?: string, message?: string } } | null)?.cause
  const detail = cause?.message !== undefined && cause.message !== '' ? cause.message : cause?.code ?? (err as Error).message
  return new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`cannot reach the admin API at ${base}: ${detail}`)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
