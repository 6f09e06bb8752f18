import type { StoreHealth } from '../store/store.js'

export interface HealthReport {
  ok: boolean
  /** one line a degraded part: its name, then what is wrong */
  reasons: string[]
}

interface PartHealth { ok?: unknown, message?: unknown, problems?: unknown }

function whyNot (part: PartHealth): string {
  if (typeof part.message === 'string' && part.message !== '') return part.message
  if (Array.isArray(part.problems) && part.problems.length > 0) return part.problems.map(String).join('; ')
  return 'not ok'
}

/**
 * Whether this instance is well, and if not, why: the store, and every part
 * that reports itself in /healthz (pages, firewall, …) with `ok: false`.
 */
export function healthOf (store: StoreHealth, details: Record<string, unknown>): HealthReport {
  const reasons: string[] = []
  if (!store.ok) reasons.push(`store: ${whyNot(store)}`)
  for (const [name, detail] of Object.entries(details)) {
    const part = detail as PartHealth | null
    if (part !== null && typeof part === 'object' && part.ok === false) reasons.push(`${name}: ${whyNot(part)}`)
  }
  return { ok: reasons.length === 0, reasons }
}
