import type { AuditEntry, ChangeContext, State } from './types.js'

/**
 * Fields left out of the audit's before → after: bookkeeping, and the bucket
 * seed (it keys the sticky cookies, so it is a secret).
 */
const BOOKKEEPING = new Set(['version', 'updatedAt', 'updatedBy', 'seed'])

/** What a list entry shows in the audit: tokens by name and expiry, since a hash is still a secret's fingerprint. */
const LIST_VIEWS: Record<string, (item: never) => unknown> = {
  allowlist: (entry: State['allowlist'][number]) => entry,
  tokens: (token: State['tokens'][number]) => ({ name: token.name, expiresAt: token.expiresAt, ...(token.sites === undefined ? {} : { sites: token.sites }) })
}

/** A list's change as recorded: the entries added and removed, never the whole list. */
export interface ListDelta {
  added: unknown[]
  removed: unknown[]
}

/**
 * The entries of `after` not in `before` and the other way round, compared
 * whole, so an entry changed in place shows as removed and added. A mutation
 * keeps the entries it does not touch (the same objects), so these are told
 * apart by identity first; only the few left are compared by value. An add
 * to a long allowlist records one entry and costs no more than the list's
 * length in lookups.
 */
export function listDelta (before: readonly unknown[], after: readonly unknown[], view: (item: never) => unknown): ListDelta {
  const kept = new Set(after)
  const was = new Set(before)
  const added = after.filter((item) => !was.has(item))
  const removed = before.filter((item) => !kept.has(item))
  // the same entry as a copy (a state read back from a store) is no change
  const addedText = added.map((item) => JSON.stringify(item))
  const removedText = new Set(removed.map((item) => JSON.stringify(item)))
  const stillThere = new Set(addedText.filter((text) => removedText.has(text)))
  return {
    added: added.filter((_, i) => !stillThere.has(addedText[i] as string)).map((item) => view(item as never)),
    removed: removed.filter((item) => !stillThere.has(JSON.stringify(item))).map((item) => view(item as never))
  }
}

function asList (value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : []
}

/**
 * The audit entry of one change: who, when, from where, and what changed.
 * A scalar field is recorded as it was (`before`) and as it became (`after`);
 * a list (allowlist, tokens) only in `after`, as `{added, removed}`.
 */
export function buildAuditEntry (before: State | null, after: State, ctx: ChangeContext): AuditEntry {
  const was: Record<string, unknown> = {}
  const now: Record<string, unknown> = {}
  const keys = new Set<string>([...Object.keys(after), ...(before === null ? [] : Object.keys(before))])
  for (const key of keys) {
    if (BOOKKEEPING.has(key)) continue
    const a: unknown = before === null ? undefined : before[key as keyof State]
    const b: unknown = after[key as keyof State]
    if (a === b) continue
    const view = LIST_VIEWS[key]
    if (view === undefined && JSON.stringify(a) === JSON.stringify(b)) continue
    if (view !== undefined) {
      const delta = listDelta(asList(a), asList(b), view)
      if (delta.added.length > 0 || delta.removed.length > 0) now[key] = delta
      continue
    }
    if (a !== undefined) was[key] = a
    if (b !== undefined) now[key] = b
  }
  return {
    version: after.version,
    at: after.updatedAt,
    actor: ctx.actor,
    ip: ctx.ip,
    action: ctx.action,
    ...(ctx.site === undefined ? {} : { site: ctx.site }),
    ...(ctx.forced === undefined ? {} : { forced: ctx.forced }),
    ...(ctx.window === undefined ? {} : { window: ctx.window }),
    before: before === null ? null : was,
    after: now
  }
}

/** The next state as the store writes it: one version up, stamped with who and when. */
export function stampState (current: State, next: State, ctx: ChangeContext, at: Date = new Date()): State {
  return { ...next, version: current.version + 1, updatedAt: at.toISOString(), updatedBy: ctx.actor }
}
