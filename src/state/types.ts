/** The shared state document: one per deployment, versioned, identical on every instance. */

export type Mode = 'open' | 'closed' | 'staged' | 'read-only'

export const MODES: readonly Mode[] = ['open', 'closed', 'staged', 'read-only']

export interface AllowEntry {
  /** canonical CIDR text, e.g. `10.20.0.0/16` or `2001:db8::/32` */
  cidr: string
  label: string
  /** ISO 8601; absent for an entry that never expires */
  expiresAt?: string
  addedBy: string
  addedAt: string
}

export interface BypassToken {
  name: string
  /** hex SHA-256 of the secret; the secret itself is never stored */
  sha256: string
  expiresAt: string
  createdBy: string
  createdAt: string
}

export interface Window {
  /** ISO 8601: when the current window began */
  start?: string
  /** ISO 8601: the expected end, shown to the public */
  end?: string
}

export interface State {
  version: number
  mode: Mode
  /** 0..100 with at most two decimals; meaningful in `staged` */
  percent: number
  reason: string
  window: Window
  /** seconds to advertise in Retry-After when the window has no end */
  retryAfter?: number
  /** per-window seed of the staged buckets: a new window reshuffles who gets in first */
  seed: string
  allowlist: AllowEntry[]
  tokens: BypassToken[]
  updatedAt: string
  updatedBy: string
}

/** What a change records in the audit log. */
export interface AuditEntry {
  version: number
  at: string
  actor: string
  /** the address the change came from */
  ip: string
  action: string
  /** the fields that changed, as they were and as they became (tokens by name only) */
  before: Record<string, unknown> | null
  after: Record<string, unknown>
}
