import type { AuditEntry, State } from './types.js'
import type { ChangeContext } from '../store/store.js'

/**
 * Fields left out of the audit's before → after: bookkeeping, and the bucket
 * seed (it keys the sticky cookies, so it is a secret).
 */
const BOOKKEEPING = new Set(['version', 'updatedAt', 'updatedBy', 'seed'])

/** Tokens appear in the audit by name and expiry: a hash is still a secret's fingerprint. */
function auditValue (key: string, value: unknown): unknown {
  if (key === 'tokens' && Array.isArray(value)) {
    return (value as State['tokens']).map((token) => ({ name: token.name, expiresAt: token.expiresAt }))
  }
  return value
}

/** The audit entry of one change: who, when, from where, and the fields that changed. */
export function buildAuditEntry (before: State | null, after: State, ctx: ChangeContext): AuditEntry {
  const was: Record<string, unknown> = {}
  const now: Record<string, unknown> = {}
  for (const key of Object.keys(after) as Array<keyof State>) {
    if (BOOKKEEPING.has(key)) continue
    const a = before === null ? undefined : before[key]
    const b = after[key]
    if (JSON.stringify(a) === JSON.stringify(b)) continue
    if (a !== undefined) was[key] = auditValue(key, a)
    now[key] = auditValue(key, b)
  }
  if (before !== null) {
    for (const key of Object.keys(before) as Array<keyof State>) {
      if (!(key in after) && !BOOKKEEPING.has(key)) was[key] = auditValue(key, before[key])
    }
  }
  return {
    version: after.version,
    at: after.updatedAt,
    actor: ctx.actor,
    ip: ctx.ip,
    action: ctx.action,
    before: before === null ? null : was,
    after: now
  }
}

/** The next state as the store writes it: one version up, stamped with who and when. */
export function stampState (current: State, next: State, ctx: ChangeContext, at: Date = new Date()): State {
  return { ...next, version: current.version + 1, updatedAt: at.toISOString(), updatedBy: ctx.actor }
}
