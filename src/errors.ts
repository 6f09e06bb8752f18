import createError from '@fastify/error'

/**
 * Every error Gatekeeper raises, in one table: a code, a message, a status.
 * Thrown where the check happens; the admin API answers with Fastify's
 * `{statusCode, code, error, message}` shape.
 */
export const errors = {
  GK_ERR_CONFIG: createError('GK_ERR_CONFIG', 'invalid configuration: %s', 500),
  GK_ERR_BAD_REQUEST: createError('GK_ERR_BAD_REQUEST', '%s', 400),
  GK_ERR_BAD_CIDR: createError('GK_ERR_BAD_CIDR', 'invalid CIDR %s: %s', 400),
  GK_ERR_BAD_MODE: createError('GK_ERR_BAD_MODE', 'unknown mode %s', 400),
  GK_ERR_BAD_PERCENT: createError('GK_ERR_BAD_PERCENT', 'percent must be a number from 0 to 100 with at most two decimals, got %s', 400),
  GK_ERR_BAD_TIME: createError('GK_ERR_BAD_TIME', '%s', 400),
  GK_ERR_UNAUTHORIZED: createError('GK_ERR_UNAUTHORIZED', '%s', 401),
  GK_ERR_FORBIDDEN: createError('GK_ERR_FORBIDDEN', '%s', 403),
  GK_ERR_HOST_NOT_ALLOWED: createError('GK_ERR_HOST_NOT_ALLOWED', 'the admin API does not answer for the host %s: use its address or a loopback name, or list the name in admin.hosts', 421),
  GK_ERR_NOT_FOUND: createError('GK_ERR_NOT_FOUND', '%s', 404),
  GK_ERR_CONFLICT: createError('GK_ERR_CONFLICT', '%s', 409),
  GK_ERR_VERSION_MISMATCH: createError('GK_ERR_VERSION_MISMATCH', 'the state is at version %s, not %s: someone changed it first; re-read it and try again', 412),
  GK_ERR_BAD_IF_MATCH: createError('GK_ERR_BAD_IF_MATCH', 'If-Match must be a quoted version such as "12", got %s', 400),
  GK_ERR_WEAK_IF_MATCH: createError('GK_ERR_WEAK_IF_MATCH', 'If-Match compares strongly, so the weak tag %s never matches; send the strong tag %s', 412),
  GK_ERR_METHOD_NOT_ALLOWED: createError('GK_ERR_METHOD_NOT_ALLOWED', 'no admin call %s %s; this path answers %s', 405),
  GK_ERR_STORE_CORRUPT: createError('GK_ERR_STORE_CORRUPT', 'the stored state at %s cannot be used: %s', 500),
  // worded by the caller: a refused change, a read and a note each say what the outage means for them
  GK_ERR_STORE_UNAVAILABLE: createError('GK_ERR_STORE_UNAVAILABLE', '%s', 503),
  GK_ERR_TIMEOUT: createError('GK_ERR_TIMEOUT', '%s', 504),
  GK_ERR_UNSUPPORTED_MEDIA_TYPE: createError('GK_ERR_UNSUPPORTED_MEDIA_TYPE', 'the admin API takes JSON bodies only (Content-Type: application/json), got %s', 415),
  GK_ERR_USAGE: createError('GK_ERR_USAGE', '%s', 400),
  GK_ERR_ADMIN_UNREACHABLE: createError('GK_ERR_ADMIN_UNREACHABLE', '%s', 502),
  GK_ERR_WAIT_TIMEOUT: createError('GK_ERR_WAIT_TIMEOUT', '%s', 504),
  GK_ERR_INTERRUPTED: createError('GK_ERR_INTERRUPTED', '%s', 499),
  GK_ERR_TEMPLATE: createError('GK_ERR_TEMPLATE', 'template %s, line %s: %s', 500),
  GK_ERR_FIREWALL_REJECTED: createError('GK_ERR_FIREWALL_REJECTED', '%s rejected the ruleset, the previous rules stay in place: %s', 500),
  GK_ERR_FIREWALL_MISMATCH: createError('GK_ERR_FIREWALL_MISMATCH', 'the rules in place differ from the rules applied: %s', 500),
  GK_ERR_FIREWALL_COMMAND: createError('GK_ERR_FIREWALL_COMMAND', 'cannot run %s: %s', 500),
  GK_ERR_FIREWALL_HELPER: createError('GK_ERR_FIREWALL_HELPER', 'the firewall helper at %s: %s', 502),
  // a reload that would not apply whole: the configuration in force keeps running
  GK_ERR_RELOAD_REFUSED: createError('GK_ERR_RELOAD_REFUSED', 'reload refused, the configuration in force is unchanged: %s', 422),
  GK_ERR_ALLOWLIST_FULL: createError('GK_ERR_ALLOWLIST_FULL', 'the allowlist holds at most %s entries, static and dynamic together; %s', 409)
} as const

export type ErrorCode = keyof typeof errors

export interface GatekeeperError extends Error {
  code: string
  statusCode: number
}

export function isGatekeeperError (err: unknown): err is GatekeeperError {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('GK_ERR_')
}
