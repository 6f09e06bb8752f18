/** Small renderings shared by the commands: durations, moments, lists. */

export function humanDuration (ms: number): string {
  const seconds = Math.round(Math.abs(ms) / 1000)
  if (seconds < 60) return `${seconds}s`
  const parts: string[] = []
  const days = Math.floor(seconds / 86400)
  const hours = Math.floor((seconds % 86400) / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  const rest = seconds % 60
  if (days > 0) parts.push(`${days}d`)
  if (hours > 0) parts.push(`${hours}h`)
  if (minutes > 0 && days === 0) parts.push(`${minutes}m`)
  if (rest > 0 && days === 0 && hours === 0) parts.push(`${rest}s`)
  return parts.join(' ')
}

/** An ISO time as given, with how far it is from now: "2026-11-22T06:00:00.000Z (in 2h 5m)". */
export function moment (iso: string | undefined, now: number): string | undefined {
  if (iso === undefined || iso === '') return undefined
  const at = Date.parse(iso)
  if (Number.isNaN(at)) return iso
  const delta = at - now
  return `${iso} (${delta >= 0 ? `in ${humanDuration(delta)}` : `${humanDuration(delta)} ago`})`
}

export function textOf (value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export function plural (count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function recordsOf (value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.filter(isRecord) : []
}
