import { errors, isGatekeeperError } from '../errors.js'
import { parseCidr } from '../gate/cidr.js'
import { MAX_ALLOWLIST_ENTRIES } from '../state/limits.js'
import { MODES, type Mode } from '../state/types.js'
import type { RulesetInput } from './render.js'

/**
 * What the proxy and the privileged helper say to each other over the unix
 * socket: one JSON line each way, then the helper closes the connection.
 * The request carries state only, never rules: the helper renders them from
 * its own configuration.
 */
export interface HelperResponse {
  ok: boolean
  /** whether the rendered ruleset went in (false: see failedClosed) */
  applied: boolean
  /**
   * The requested rules did not go in, and the rules for the requested mode
   * without any allowlist did: the protected ports admit alwaysAllow only.
   * Absent or false with applied false: the rules in place are unchanged.
   */
  failedClosed?: boolean
  appliedAt?: string
  error?: string
}

/** The most sites a request may name a mode for: more than any configuration lists ports of. */
export const MAX_REQUEST_SITES = 256

/**
 * The longest allowlist entry the proxy sends is an IPv6 CIDR of 43 characters, quoted, with a comma;
 * a site is at most 63 characters and a mode, quoted.
 */
export const MAX_REQUEST_BYTES = MAX_ALLOWLIST_ENTRIES * 48 + MAX_REQUEST_SITES * 84 + 4096

// as sites[].name: lower-case letters, digits and "-", at most 63
const SITE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/

/**
 * A checked request, or why it was refused. `mode` is set when only the
 * sites or the allowlist were refused: the state asked for is known, and
 * the helper fails closed into it (its sites too, once they are checked;
 * the ports of a site not given are closed) rather than leave the ports as
 * they were.
 */
export type HelperRequest =
  | { ok: true, input: RulesetInput }
  | { ok: false, error: string, mode: Mode | null, sites?: Record<string, Mode> }

export function readHelperRequest (line: string): HelperRequest {
  let mode: Mode | null = null
  let sites: Record<string, Mode> | undefined
  try {
    const request = requestObject(line)
    mode = request.mode
    sites = request.sites === undefined ? undefined : checkedSites(request.sites)
    return { ok: true, input: { mode, allowlist: checkedAllowlist(request.allowlist), ...(sites === undefined ? {} : { sites }) } }
  } catch (err) {
    if (!isGatekeeperError(err)) throw err
    return { ok: false, error: err.message, mode, ...(sites === undefined ? {} : { sites }) }
  }
}

/** `{site: mode}` for the sites the ports name; a site the helper's configuration has no port for changes nothing. */
function checkedSites (raw: unknown): Record<string, Mode> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new errors.GK_ERR_BAD_FIELD('sites', 'must be a JSON object {site: mode}')
  const entries = Object.entries(raw as Record<string, unknown>)
  if (entries.length > MAX_REQUEST_SITES) throw new errors.GK_ERR_BAD_FIELD('sites', `names ${entries.length} sites; at most ${MAX_REQUEST_SITES}`)
  const sites: Record<string, Mode> = Object.create(null) as Record<string, Mode>
  for (const [name, mode] of entries) {
    if (!SITE_NAME.test(name)) throw new errors.GK_ERR_BAD_FIELD('sites', `${JSON.stringify(name)} is not a site name`)
    if (typeof mode !== 'string' || !MODES.includes(mode as Mode)) throw new errors.GK_ERR_BAD_FIELD(`sites.${name}`, `must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`)
    sites[name] = mode as Mode
  }
  return sites
}

function requestObject (line: string): { mode: Mode, allowlist: unknown, sites: unknown } {
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    throw new errors.GK_ERR_BAD_JSON('the request line is not JSON')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new errors.GK_ERR_BAD_FIELD('the request', 'must be a JSON object {mode, allowlist, sites?}')
  const request = raw as Record<string, unknown>
  for (const key of Object.keys(request)) {
    if (key !== 'mode' && key !== 'allowlist' && key !== 'sites') throw new errors.GK_ERR_UNKNOWN_FIELD('the request', key, 'it carries mode, allowlist and sites only')
  }
  if (typeof request.mode !== 'string' || !MODES.includes(request.mode as Mode)) {
    throw new errors.GK_ERR_BAD_MODE(`${JSON.stringify(request.mode)} (expected one of ${MODES.join(', ')})`)
  }
  return { mode: request.mode as Mode, allowlist: request.allowlist, sites: request.sites }
}

function checkedAllowlist (allowlist: unknown): string[] {
  if (!Array.isArray(allowlist)) throw new errors.GK_ERR_BAD_FIELD('allowlist', 'must be a list of CIDRs')
  if (allowlist.length > MAX_ALLOWLIST_ENTRIES) throw new errors.GK_ERR_ALLOWLIST_FULL(MAX_ALLOWLIST_ENTRIES, `the request carries ${allowlist.length}`)
  return allowlist.map((entry: unknown, i) => strictCidr(entry, `allowlist[${i}]`))
}

const LEADING_ZERO_PREFIX = /\/0[0-9]/

/**
 * The proxy sends CIDRs exactly as it stored them, so anything written
 * loosely did not come from it: refused, naming the entry, rather than
 * tidied up. parseCidr then refuses host bits, zone ids and bad addresses.
 */
function strictCidr (entry: unknown, key: string): string {
  if (typeof entry !== 'string') throw new errors.GK_ERR_BAD_FIELD(key, `must be a CIDR string, got ${JSON.stringify(entry)}`)
  const refuse = (why: string): never => { throw new errors.GK_ERR_BAD_FIELD(key, `invalid CIDR ${JSON.stringify(entry)}: ${why}`) }
  if (/\s/.test(entry)) refuse('it has a space or line break in it; send the CIDR alone')
  if (LEADING_ZERO_PREFIX.test(entry)) refuse('the prefix length has a leading zero')
  try {
    return parseCidr(entry).text
  } catch (err) {
    if (isGatekeeperError(err)) throw new errors.GK_ERR_BAD_FIELD(key, err.message)
    throw err
  }
}
