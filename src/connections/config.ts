import { integer, object, onlyKeys } from '../input/config-checks.js'

/** `limits:` in the configuration: what one client connection may hold. */
export interface ConnectionLimits {
  /**
   * Public connections held at once, over all workers. A process holds
   * fewer when its open-file limit cannot carry this many (src/connections/fd-budget.ts).
   */
  maxConnections: number
  /** how long a client may take to send a request's headers, on both listeners */
  headersTimeoutMs: number
}

export const DEFAULT_LIMITS: ConnectionLimits = Object.freeze({ maxConnections: 10_000, headersTimeoutMs: 10_000 })

export function parseConnectionLimits (value: unknown): ConnectionLimits {
  const raw = object(value, 'limits')
  onlyKeys(raw, 'limits', ['maxConnections', 'headersTimeoutMs'])
  return {
    maxConnections: integer(raw.maxConnections, 'limits.maxConnections', DEFAULT_LIMITS.maxConnections, 1, 1_000_000),
    headersTimeoutMs: integer(raw.headersTimeoutMs, 'limits.headersTimeoutMs', DEFAULT_LIMITS.headersTimeoutMs, 100, 300_000)
  }
}
