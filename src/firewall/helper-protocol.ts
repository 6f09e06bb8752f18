import { errors } from '../errors.js'
import { MODES, type Mode } from '../state/types.js'
import { parseCidr } from '../gate/cidr.js'
import type { RulesetInput } from './render.js'

/**
 * What the proxy and the privileged helper say to each other over the unix
 * socket: one JSON line each way, then the helper closes the connection.
 * The request carries state only, never rules: the helper renders them from
 * its own configuration.
 */
export interface HelperResponse {
  ok: boolean
  /** whether the rendered ruleset went in (false: the previous rules stay) */
  applied: boolean
  appliedAt?: string
  error?: string
}

export const MAX_REQUEST_BYTES = 1024 * 1024
export const MAX_ALLOWLIST_ENTRIES = 10000

/** Checks a request from the proxy; throws a GatekeeperError naming what is wrong. */
export function parseHelperRequest (line: string): RulesetInput {
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    throw new errors.GK_ERR_BAD_REQUEST('the request is not JSON')
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new errors.GK_ERR_BAD_REQUEST('the request must be a JSON object {mode, allowlist}')
  const request = raw as Record<string, unknown>
  for (const key of Object.keys(request)) {
    if (key !== 'mode' && key !== 'allowlist') throw new errors.GK_ERR_BAD_REQUEST(`unknown field ${JSON.stringify(key)}: a request carries mode and allowlist only`)
  }
  if (typeof request.mode !== 'string' || !MODES.includes(request.mode as Mode)) {
    throw new errors.GK_ERR_BAD_MODE(`${JSON.stringify(request.mode)} (expected one of ${MODES.join(', ')})`)
  }
  const { allowlist } = request
  if (!Array.isArray(allowlist)) throw new errors.GK_ERR_BAD_REQUEST('allowlist must be a list of CIDRs')
  if (allowlist.length > MAX_ALLOWLIST_ENTRIES) throw new errors.GK_ERR_BAD_REQUEST(`allowlist has ${allowlist.length} entries, at most ${MAX_ALLOWLIST_ENTRIES} are accepted`)
  return {
    mode: request.mode as Mode,
    allowlist: allowlist.map((entry: unknown, i) => {
      if (typeof entry !== 'string') throw new errors.GK_ERR_BAD_REQUEST(`allowlist[${i}] must be a CIDR string, got ${JSON.stringify(entry)}`)
      return parseCidr(entry).text
    })
  }
}
