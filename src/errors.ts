import createError from '@fastify/error'

/**
 * Every code Gatekeeper sends or prints, in one table: a code, a fixed
 * message template (placeholders only for what varies), a status. Thrown
 * where the check happens; both listeners answer with the shape
 * `{statusCode, code, error, message}` built by src/errors-reply.ts.
 * Adding a code is one line here and one row in docs/reference/errors.md.
 */

/** An error sent over HTTP: its status says what kind of refusal it is. */
const http = (code: string, message: string, status: number) => createError<Array<string | number>>(code, message, status)

/**
 * An error that never travels over HTTP (start-up, the CLI, the firewall
 * report): it has no status at all rather than a made-up one.
 * (@fastify/error leaves `statusCode` undefined when given 0.)
 */
const local = (code: string, message: string) => createError<Array<string | number>>(code, message, 0)

export const errors = {
  // configuration: start-up stops (serve exits 1); a route that loads configuration refuses it with 422
  GK_ERR_CONFIG: http('GK_ERR_CONFIG', 'invalid configuration: %s', 422),
  // requests that cannot be read, or fields that do not fit the call's schema (src/admin/validation.ts)
  GK_ERR_BAD_REQUEST: http('GK_ERR_BAD_REQUEST', 'the request cannot be read: %s', 400),
  GK_ERR_BAD_JSON: http('GK_ERR_BAD_JSON', 'the body is not valid JSON: %s', 400),
  GK_ERR_BODY_TOO_LARGE: http('GK_ERR_BODY_TOO_LARGE', 'the body is larger than the %s bytes a call takes', 413),
  GK_ERR_BAD_TARGET: http('GK_ERR_BAD_TARGET', 'the request target must be a path within the site; Gatekeeper is not a forward proxy', 400),
  GK_ERR_BAD_FIELD: http('GK_ERR_BAD_FIELD', '%s: %s', 400),
  GK_ERR_MISSING_FIELD: http('GK_ERR_MISSING_FIELD', '%s is required: %s', 400),
  GK_ERR_UNKNOWN_FIELD: http('GK_ERR_UNKNOWN_FIELD', '%s has an unknown field "%s" (%s)', 400),
  GK_ERR_BAD_COMBINATION: http('GK_ERR_BAD_COMBINATION', 'these fields do not go together: %s', 400),
  GK_ERR_BAD_CIDR: http('GK_ERR_BAD_CIDR', 'invalid CIDR %s: %s', 400),
  GK_ERR_BAD_MODE: http('GK_ERR_BAD_MODE', 'unknown mode %s', 400),
  GK_ERR_BAD_PERCENT: http('GK_ERR_BAD_PERCENT', 'percent must be a number from 0 to 100 with at most two decimals, got %s', 400),
  GK_ERR_BAD_TIME: http('GK_ERR_BAD_TIME', '%s is not a usable time: %s', 400),
  GK_ERR_UNAUTHORIZED: http('GK_ERR_UNAUTHORIZED', 'not authenticated: %s', 401),
  GK_ERR_FORBIDDEN: http('GK_ERR_FORBIDDEN', 'the token "%s" is a viewer: changes need an operator token', 403),
  GK_ERR_HOST_NOT_ALLOWED: http('GK_ERR_HOST_NOT_ALLOWED', 'the admin API does not answer for the host %s: use its address or a loopback name, or list the name in admin.hosts', 421),
  GK_ERR_NOT_FOUND: http('GK_ERR_NOT_FOUND', 'there is no %s', 404),
  GK_ERR_METHOD_NOT_ALLOWED: http('GK_ERR_METHOD_NOT_ALLOWED', 'no admin call %s %s; this path answers %s', 405),
  GK_ERR_CONFLICT: http('GK_ERR_CONFLICT', 'the change does not fit the state: %s', 409),
  // several sites (src/sites/)
  GK_ERR_UNKNOWN_SITE: http('GK_ERR_UNKNOWN_SITE', 'there is no site %s (sites: %s)', 404),
  GK_ERR_DEPENDENCY_CLOSED: http('GK_ERR_DEPENDENCY_CLOSED', 'the site %s depends on sites that are closed: %s; open them first, or send force: true (audited as forced)', 409),
  GK_ERR_SITE_REQUIRED: http('GK_ERR_SITE_REQUIRED', '%s acts on the site "default", and there is none: call /v1/sites/{site}%s (sites: %s)', 400),
  // a reload that would not apply whole: the configuration in force keeps running
  GK_ERR_RELOAD_REFUSED: http('GK_ERR_RELOAD_REFUSED', 'reload refused, the configuration in force is unchanged: %s', 422),
  GK_ERR_ALLOWLIST_FULL: http('GK_ERR_ALLOWLIST_FULL', 'the allowlist holds at most %s entries, static and dynamic together; %s', 409),
  GK_ERR_VERSION_MISMATCH: http('GK_ERR_VERSION_MISMATCH', 'the state is at version %s, not %s: someone changed it first; re-read it and try again', 412),
  GK_ERR_WEAK_IF_MATCH: http('GK_ERR_WEAK_IF_MATCH', 'If-Match compares strongly, so the weak tag %s never matches; send the strong tag %s', 412),
  GK_ERR_BAD_IF_MATCH: http('GK_ERR_BAD_IF_MATCH', 'If-Match must be a quoted version such as "12", got %s', 400),
  GK_ERR_UNSUPPORTED_MEDIA_TYPE: http('GK_ERR_UNSUPPORTED_MEDIA_TYPE', 'the admin API takes JSON bodies only (Content-Type: application/json), got %s', 415),
  GK_ERR_STORE_CORRUPT: http('GK_ERR_STORE_CORRUPT', 'the stored state at %s cannot be used: %s', 500),
  // the detail says what the outage means for the caller: a refused change, a read, a note
  GK_ERR_STORE_UNAVAILABLE: http('GK_ERR_STORE_UNAVAILABLE', 'store unavailable: %s', 503),
  GK_ERR_TIMEOUT: http('GK_ERR_TIMEOUT', 'the change is made (version %s), but not every instance had %s within %s s; still waiting on %s', 504),
  GK_ERR_INTERNAL: http('GK_ERR_INTERNAL', 'internal error; see the gatekeeper log', 500),
  // the public listener: the application behind the gate failed (502), or did not answer in time (504)
  GK_UPSTREAM_UNAVAILABLE: http('GK_UPSTREAM_UNAVAILABLE', 'The application %s. Please try again in a moment.', 502),
  GK_ERR_TEMPLATE: local('GK_ERR_TEMPLATE', 'template %s, line %s: %s'),
  GK_ERR_FIREWALL_REJECTED: local('GK_ERR_FIREWALL_REJECTED', '%s rejected the ruleset, the previous rules stay in place: %s'),
  GK_ERR_FIREWALL_MISMATCH: local('GK_ERR_FIREWALL_MISMATCH', 'the rules in place differ from the rules applied: %s'),
  GK_ERR_FIREWALL_COMMAND: local('GK_ERR_FIREWALL_COMMAND', 'cannot run %s: %s'),
  GK_ERR_FIREWALL_HELPER: local('GK_ERR_FIREWALL_HELPER', 'the firewall helper at %s: %s'),
  // the CLI's own failures: printed, never sent; the exit code carries the meaning (src/cli/exit-codes.ts)
  GK_ERR_USAGE: local('GK_ERR_USAGE', '%s; nothing was sent'),
  GK_ERR_ADMIN_UNREACHABLE: local('GK_ERR_ADMIN_UNREACHABLE', '%s (is gatekeeper running there? the address comes from --url or GATEKEEPER_URL)'),
  GK_ERR_WAIT_TIMEOUT: local('GK_ERR_WAIT_TIMEOUT', 'gave up waiting: %s'),
  GK_ERR_INTERRUPTED: local('GK_ERR_INTERRUPTED', 'interrupted%s'),
  GK_ERR_CLI: local('GK_ERR_CLI', 'unexpected error: %s')
} as const

export type ErrorCode = keyof typeof errors

export interface GatekeeperError extends Error {
  code: string
  statusCode?: number
}

export function isGatekeeperError (err: unknown): err is GatekeeperError {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('GK_ERR_')
}
