/**
 * Facts an admin error carries beyond Fastify's `{statusCode, code, error,
 * message}`: the instances a wait gave up on, say. Kept beside the error
 * rather than on it, so that only what a route chose to show is ever sent.
 */
const detailsOf = new WeakMap<Error, Record<string, unknown>>()

/** The four fields every error answer has; details never replace them. */
const RESERVED = new Set(['statusCode', 'code', 'error', 'message'])

export function withDetails<E extends Error> (err: E, details: Record<string, unknown>): E {
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(details)) {
    if (!RESERVED.has(key)) kept[key] = value
  }
  detailsOf.set(err, kept)
  return err
}

export function errorDetails (err: Error): Record<string, unknown> {
  return detailsOf.get(err) ?? {}
}
