import type { GateSnapshot } from './snapshot.js'

/**
 * Every moment (epoch ms, ascending) at which a dynamic allowlist entry or a
 * bypass token of this gate (its own state's, or the top-level one's) expires: the only moments at which the decision
 * answers differently for the same request without a change of state. Whoever
 * holds on to an admission (a WebSocket) must look again then.
 */
export function accessExpiries (snapshot: GateSnapshot): number[] {
  const times: number[] = []
  for (const entry of snapshot.access.allowlist) {
    if (entry.expiresAt === undefined) continue
    // parsed as compileSnapshot parses it; an unreadable time admits nobody, so nothing changes at it
    const at = Date.parse(entry.expiresAt)
    if (Number.isFinite(at)) times.push(at)
  }
  for (const at of snapshot.tokens.values()) {
    if (Number.isFinite(at)) times.push(at)
  }
  return times.sort((a, b) => a - b)
}

/** The first of the ascending `times` later than `now`, or Infinity. */
export function firstAfter (times: readonly number[], now: number): number {
  let low = 0
  let high = times.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if ((times[middle] as number) > now) high = middle
    else low = middle + 1
  }
  return low < times.length ? times[low] as number : Infinity
}
