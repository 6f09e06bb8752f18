import { STATUS_CODES } from 'node:http'
import { errors } from './errors.js'

/** What every error answer of either listener is: Fastify's shape, plus the details a route chose to show. */
export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
  [detail: string]: unknown
}

/** The four fields every error answer has; details never replace them. */
const RESERVED = new Set(['statusCode', 'code', 'error', 'message'])

/** Fastify's own refusals of a request, named by the table's codes (a client never sees an FST_ code). */
const FASTIFY_CODES: Readonly<Record<string, (err: { message: string }, bodyLimit: number) => Error>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: (err) => new errors.GK_ERR_BAD_JSON(err.message),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new errors.GK_ERR_BAD_JSON('the Content-Type is application/json but the body is empty'),
  FST_ERR_CTP_BODY_TOO_LARGE: (_err, bodyLimit) => new errors.GK_ERR_BODY_TOO_LARGE(bodyLimit),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new errors.GK_ERR_BAD_REQUEST('the Content-Length does not match the body')
}

interface ErrorLike { code?: string, statusCode?: number, message: string }

/** The table's error for what was thrown: a GK_ code as is, Fastify's refusals translated, anything else internal. */
export function tableErrorOf (err: ErrorLike, bodyLimit = 1024 * 1024): ErrorLike & { statusCode: number, code: string } {
  const code = err.code ?? ''
  if (code.startsWith('GK_') && err.statusCode !== undefined && err.statusCode >= 400) return err as ErrorLike & { statusCode: number, code: string }
  const translated = FASTIFY_CODES[code]?.(err, bodyLimit) as ErrorLike | undefined
  if (translated !== undefined) return translated as ErrorLike & { statusCode: number, code: string }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return Object.assign(new errors.GK_ERR_BAD_REQUEST(err.message), { statusCode: err.statusCode })
  }
  return new errors.GK_ERR_INTERNAL() as ErrorLike & { statusCode: number, code: string }
}

/**
 * The one place an error answer is shaped, for the admin API and the public
 * listener alike: `{statusCode, code, error, message}`, `error` being the
 * status's reason phrase, then any details (which never replace the four).
 */
export function errorBody (statusCode: number, code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  const body: ErrorBody = { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message }
  for (const [key, value] of Object.entries(details)) {
    if (!RESERVED.has(key)) body[key] = value
  }
  return body
}

/** An error of the table as an answer body; `statusCode` overrides the table's (a 504 of GK_UPSTREAM_UNAVAILABLE). */
export function errorBodyOf (err: ErrorLike, details: Record<string, unknown> = {}, statusCode?: number, bodyLimit?: number): ErrorBody {
  const known = tableErrorOf(err, bodyLimit)
  return errorBody(statusCode ?? known.statusCode, known.code, known.message, details)
}
