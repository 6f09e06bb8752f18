import type { AuditEntry } from '../state/types.js'

/** What an audit entry was, as a line of the night's story. */
export type EventKind =
  | 'mode' | 'ramp' | 'abort' | 'schedule' | 'eta' | 'node' | 'allowlist' | 'token' | 'reload' | 'store' | 'other'

/** The served state as it stood after an entry: what a phase is. */
export interface Served {
  mode: string
  percent: number
  /** the expected end shown to the public, ISO 8601 */
  eta: string | null
}

export interface TimelineEvent {
  at: string
  kind: EventKind
  action: string
  who: string
  /** the reason given, when one was */
  reason: string | null
  /** one short sentence: what happened */
  what: string
  /** an abort's figures, as the health gate saw them */
  figures?: Record<string, unknown>
}

function record (value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null
}

function text (value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null
}

function names (delta: unknown, key: 'name' | 'label'): { added: string[], removed: string[] } {
  const d = record(delta)
  const list = (v: unknown): string[] => Array.isArray(v)
    ? v.map((item) => {
      const r = record(item)
      return r === null ? String(item) : String(r[key] ?? r.cidr ?? '?') + (key === 'label' && typeof r.cidr === 'string' && r[key] !== r.cidr ? ` (${r.cidr})` : '')
    })
    : []
  return { added: list(d?.added), removed: list(d?.removed) }
}

function listChange (what: string, delta: { added: string[], removed: string[] }): string {
  const parts: string[] = []
  if (delta.added.length > 0) parts.push(`${what} added: ${delta.added.join(', ')}`)
  if (delta.removed.length > 0) parts.push(`${what} removed: ${delta.removed.join(', ')}`)
  return parts.join('; ')
}

/**
 * The audit as the timeline reads it: a store outage is recorded once the
 * store is back (`store.recovered`, with `since`), so its beginning is put
 * back where it happened.
 */
export function withOutageStarts (entries: readonly AuditEntry[]): AuditEntry[] {
  const out: AuditEntry[] = []
  for (const entry of entries) {
    out.push(entry)
    if (entry.action !== 'store.recovered') continue
    const since = text(entry.after.since)
    if (since === null || Number.isNaN(Date.parse(since))) continue
    out.push({ ...entry, at: since, action: 'store.unreachable', before: null, after: { reason: entry.after.reason } })
  }
  return out
}

/** Applies an entry's recorded fields to the served state: the audit keeps scalars as they became. */
export function servedAfter (served: Served, entry: AuditEntry): Served {
  if (entry.before === null && entry.action !== 'init' && entry.action !== 'recover') return served
  const after = entry.after
  const next = { ...served }
  if (typeof after.mode === 'string') next.mode = after.mode
  if (typeof after.percent === 'number') next.percent = after.percent
  if ('window' in after) {
    const window = record(after.window)
    next.eta = text(window?.end)
  }
  return next
}

function percentText (percent: number): string {
  return `${percent} %`
}

function modeText (served: Served): string {
  if (served.mode === 'staged') return `staged at ${percentText(served.percent)}`
  return served.mode
}

/**
 * The story line of one audit entry, given the served state before and
 * after it; null for an entry that changed nothing a reader of the night
 * needs (a webhook that gave up, a refused TLS certificate are still shown
 * as `other`).
 */
export function eventOf (entry: AuditEntry, was: Served, now: Served): TimelineEvent {
  const after = entry.after
  const ramp = record(after.ramp)
  const ended = record(ramp?.ended)
  const reason = text(after.reason) ?? text(ended?.reason) ?? text(ramp?.pauseReason) ?? null
  const base = { at: entry.at, action: entry.action, who: entry.actor, reason }
  const a = entry.action
  if (a === 'health.tripped') {
    const reasons = Array.isArray(after.reasons) ? after.reasons.map(String) : []
    const figures = record(after.figures) ?? undefined
    return { ...base, kind: 'abort', reason: reasons.join('; ') || reason, what: 'the health gate tripped', ...(figures === undefined ? {} : { figures }) }
  }
  if (a === 'reload' || a === 'reload.refused') return { ...base, kind: 'reload', what: a === 'reload' ? 'configuration reloaded' : 'a reload was refused' }
  if (a === 'init') return { ...base, kind: 'store', what: `first start: the state was created, ${modeText(now)}` }
  if (a === 'store.unreachable') return { ...base, kind: 'store', reason: text(after.reason), what: 'the state store was out of reach' }
  if (a === 'store.recovered') return { ...base, kind: 'store', reason: null, what: 'the state store was back' }
  if (a === 'recover' || a === 'audit.reconciled' || a.startsWith('store.')) return { ...base, kind: 'store', what: a === 'recover' ? 'the state was lost and the store started closed' : a.replace('.', ' ') }
  if (a.startsWith('schedule.')) {
    const change = was.mode !== now.mode ? `: ${modeText(now)}` : ''
    return { ...base, kind: 'schedule', what: `schedule ${a.slice('schedule.'.length)}${change}` }
  }
  if (a === 'ramp.abort' || a === 'health.close') return { ...base, kind: 'abort', what: `ramp aborted: ${modeText(now)}` }
  if (a.startsWith('ramp.')) {
    const step = was.percent !== now.percent || was.mode !== now.mode ? ` (${modeText(now)})` : ''
    return { ...base, kind: 'ramp', what: `ramp ${a.slice('ramp.'.length)}${step}` }
  }
  if (was.mode !== now.mode || was.percent !== now.percent) {
    return { ...base, kind: 'mode', what: now.mode === 'open' ? 'opened' : modeText(now) }
  }
  if (was.eta !== now.eta) {
    return { ...base, kind: 'eta', what: now.eta === null ? 'ETA cleared' : 'ETA moved' }
  }
  if ('nodes' in after) {
    const nodes = record(after.nodes) ?? {}
    const parts = Object.entries(nodes).map(([name, setting]) => `${name} ${String(record(setting)?.state ?? 'in')}`)
    const nodeReason = Object.values(nodes).map((s) => text(record(s)?.reason)).find((r) => r !== null) ?? null
    return { ...base, kind: 'node', reason: nodeReason ?? reason, what: `node ${parts.join(', ') || 'settings changed'}` }
  }
  if ('allowlist' in after) return { ...base, kind: 'allowlist', what: listChange('allowlist', names(after.allowlist, 'label')) || 'allowlist changed' }
  if ('tokens' in after) return { ...base, kind: 'token', what: listChange('token', names(after.tokens, 'name')) || 'tokens changed' }
  return { ...base, kind: 'other', what: a }
}
