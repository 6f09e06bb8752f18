import type { SiteFlag, State } from './types.js'

/**
 * A site's flags: what the operator should look at, kept in its state so
 * every instance shows it. A flag changes nothing by itself (not the mode,
 * not the gate); the operator's next change of the site's mode clears them.
 */

/** The state with `flag` added; a flag of the same kind about the same site is replaced (the latest abort tells). */
export function withFlag (current: State, flag: SiteFlag): State {
  const kept = (current.flags ?? []).filter((known) => known.kind !== flag.kind || known.site !== flag.site)
  return { ...current, flags: [...kept, flag] }
}

/** The state without flags: the operator has decided about the site. */
export function withoutFlags (current: State): State {
  if (current.flags === undefined) return current
  const { flags: _seen, ...rest } = current
  return rest
}

function isStringList (value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
}

/** What is wrong with flags read back from a store, or null. */
export function flagsProblem (value: unknown): string | null {
  if (!Array.isArray(value)) return '"flags" is not a list'
  for (const [i, flag] of value.entries()) {
    const entry = flag as Record<string, unknown> | null
    if (typeof entry !== 'object' || entry === null || entry.kind !== 'dependency-aborted' || typeof entry.site !== 'string' ||
      typeof entry.at !== 'string' || Number.isNaN(Date.parse(entry.at)) || !isStringList(entry.reasons) ||
      (entry.via !== undefined && !isStringList(entry.via))) {
      return `"flags[${i}]" is not a flag {kind: dependency-aborted, site, at, reasons, via?}`
    }
  }
  return null
}
