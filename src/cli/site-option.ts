import { usageError } from './errors.js'

/** `--site NAME` on every state command: the site's own routes, `/v1/sites/{site}/…`, instead of `default`'s. */
export const SITE_OPTION = { site: { type: 'string' } } as const

export const SITE_HELP = '  --site NAME              act on that site of the configuration\'s sites: (default: the site "default")'

/** `--force` where a site's `dependsOn` may refuse the change: open, stage, ramp start and promote, schedule create. */
export const FORCE_OPTION = { force: { type: 'boolean' } } as const

export const FORCE_HELP = '  --force             even while a site this one dependsOn is closed (with sites:; audited as forced)'

const SITE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/

/** The `--site` value, checked to be a site name (whether the site exists, the gatekeeper says). */
export function siteName (command: string, site: string | undefined): string | undefined {
  if (site !== undefined && !SITE_NAME.test(site)) throw usageError(`gatekeeper ${command}: --site must be a site name (lower-case letters, digits and "-"), got ${JSON.stringify(site)}`)
  return site
}

/** `/v1/close` → `/v1/sites/app1/close` with `--site app1`; the path as it is without it. */
export function sitePath (command: string, site: string | undefined, path: string): string {
  const name = siteName(command, site)
  if (name === undefined) return path
  return `/v1/sites/${name}${path.slice('/v1'.length)}`
}
