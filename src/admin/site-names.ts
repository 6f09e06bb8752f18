import { errors } from '../errors.js'
import { DEFAULT_SITE } from '../sites/config.js'
import type { Config } from '../config/config.js'

/** The `sites` a body may name: a token's, an allowlist entry's. Each must be a site of the configuration. */
export const SITES_FIELD = {
  type: 'array',
  minItems: 1,
  maxItems: 64,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 63 }
} as const

/**
 * `sites` checked against the configuration (`default` alone without
 * `sites:`), naming the first that is not a site; refused before anything
 * changes. Undefined stays undefined: every site.
 */
export function checkedSites (sites: readonly string[] | undefined, config: Pick<Config, 'sites'>): string[] | undefined {
  if (sites === undefined) return undefined
  const known = config.sites?.map((site) => site.name) ?? [DEFAULT_SITE]
  for (const [i, site] of sites.entries()) {
    if (!known.includes(site)) throw new errors.GK_ERR_BAD_FIELD(`body.sites[${i}]`, `${JSON.stringify(site)} is not a site (sites: ${known.join(', ')})`)
  }
  return [...sites]
}
