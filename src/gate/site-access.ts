import type { State } from '../state/types.js'

/** Where a gate's testers come from: the dynamic allowlist entries and bypass tokens of the top-level state. */
export type AccessState = Pick<State, 'allowlist' | 'tokens'>

/**
 * Whether a bypass token may pass the gate of `site`: a token without
 * `sites` is valid on every site; a limited one only on the sites it names
 * (an empty list, which the API refuses, names none).
 */
export function tokenValidOn (token: { sites?: readonly string[] | undefined }, site: string): boolean {
  return token.sites === undefined || token.sites.includes(site)
}

/**
 * Whether a dynamic allowlist entry admits on the gate of `site`: as a
 * token, every site without `sites`, else only those it names.
 */
export function allowEntryValidOn (entry: { sites?: readonly string[] | undefined }, site: string): boolean {
  return entry.sites === undefined || entry.sites.includes(site)
}

/** Whether two access states admit the same testers (a change elsewhere in the state leaves them alone). */
export function sameAccess (a: AccessState, b: AccessState): boolean {
  return a === b || (JSON.stringify(a.allowlist) === JSON.stringify(b.allowlist) && JSON.stringify(a.tokens) === JSON.stringify(b.tokens))
}
