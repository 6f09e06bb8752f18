import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { DEFAULT_SITE } from '../sites/config.js'
import type { SiteState, SiteStates } from '../sites/site-states.js'
import type { AuditEntry } from '../state/types.js'
import type { AdminContext, DependencyOutcome } from './context.js'
import { modeRoutes, type ModeRouteOptions } from './routes-mode.js'
import { object, readSchema } from './schemas.js'

/**
 * The old routes that act on one state: with sites and none named `default`,
 * they name the sites instead. `/v1/allowlist` and `/v1/tokens` are not among
 * them: the top-level state holds the testers of every site.
 */
const PER_STATE = ['/v1/state', '/v1/close', '/v1/open', '/v1/stage', '/v1/read-only', '/v1/nodes', '/v1/ramp', '/v1/schedule', '/v1/admission', '/v1/timeline']

export const SITE_PARAMS = object({ site: { type: 'string', maxLength: 63, description: 'a site of the configuration (`default` without sites:)' } }, ['site'])

const SITES_REPLY = {
  type: 'array',
  items: object({
    name: { type: 'string' },
    version: { type: 'integer' },
    mode: { type: 'string' },
    percent: { type: 'number' },
    reason: { type: 'string' },
    eta: { type: ['string', 'null'], description: 'the expected end of the window (ISO 8601), null when unknown' },
    dependsOn: { type: 'array', items: { type: 'string' } },
    flags: { type: 'array', items: { type: 'object' }, description: 'e.g. {kind: "dependency-aborted", site, via?, at, reasons}: a site it depends on was closed by its health gate; absent when none' }
  })
}

/**
 * The audit of every site, newest first, each entry carrying its site: with
 * `sites:`, each site keeps its own log (its own file or Redis keys), merged
 * here; entries written without a site (a ramp, a note) are of the site whose log holds them.
 * With no site named `default`, the top-level log (its tokens and dynamic allowlist) is merged too, its entries without a site.
 */
export async function readSitesAudit (sites: Pick<SiteStates, 'all' | 'top'>, limit: number): Promise<AuditEntry[]> {
  const logs = await Promise.all(sites.all.map(async (site) => await siteLog(site, limit)))
  // with no site named `default`, the top-level log (tokens, dynamic allowlist) is of no site
  if (!sites.all.includes(sites.top)) logs.push(await sites.top.feed.readAudit(limit))
  return logs.flat().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, limit)
}

/** `GET /v1/audit?site=NAME`: that site's log only; without `sites:`, `default` is the one site. An unknown site is a 404 naming the sites. */
export async function readSiteAudit (ctx: AdminContext, name: string, limit: number): Promise<AuditEntry[]> {
  const sites = ctx.config.sites === undefined ? undefined : ctx.sites
  if (sites === undefined) {
    if (name !== DEFAULT_SITE) throw new errors.GK_ERR_UNKNOWN_SITE(JSON.stringify(name), DEFAULT_SITE)
    return await ctx.store.readAudit(limit)
  }
  const site = sites.get(name)
  if (site === undefined) throw new errors.GK_ERR_UNKNOWN_SITE(JSON.stringify(name), namesOf(sites))
  return await siteLog(site, limit)
}

/** One site's own log, each entry naming the site. */
async function siteLog (site: SiteState, limit: number): Promise<AuditEntry[]> {
  return (await site.feed.readAudit(limit)).map((entry) => entry.site === undefined ? { ...entry, site: site.name } : entry)
}

/**
 * A site's `dependsOn` before it opens or is staged: refused (409, naming
 * them) while any is closed, unless forced; a dependency read-only or
 * staged is allowed, with a warning in the answer.
 */
export function checkDependencies (sites: SiteStates, name: string, force: boolean): DependencyOutcome {
  const closed: string[] = []
  const warnings: string[] = []
  for (const dep of sites.get(name)?.site?.dependsOn ?? []) {
    const mode = sites.get(dep)?.runtime.current().mode
    if (mode === 'closed') closed.push(dep)
    else if (mode !== undefined && mode !== 'open') warnings.push(`${name} depends on ${dep}, which is ${mode}`)
  }
  if (closed.length > 0 && !force) throw new errors.GK_ERR_DEPENDENCY_CLOSED(JSON.stringify(name), closed.join(', '))
  return { forced: closed, warnings: [...closed.map((dep) => `${name} depends on ${dep}, which is closed (forced)`), ...warnings] }
}

/** The options of the old mode routes: with `sites:`, `default`'s dependencies are checked too. */
export function defaultModeOptions (ctx: AdminContext): ModeRouteOptions {
  const sites = ctx.sites
  if (ctx.config.sites === undefined || sites === undefined || sites.fallback === null) return {}
  return { dependencies: (_request, force) => checkDependencies(sites, DEFAULT_SITE, force) }
}

function namesOf (sites: SiteStates): string {
  return sites.all.map((site) => site.name).join(', ')
}

function pathOf (request: FastifyRequest): string {
  return request.url.split('?', 1)[0] ?? ''
}

/** The context of each site's calls (its state, its nodes, its audit entries naming it), and the site a call names. */
export interface SiteContexts {
  contextOf: (site: SiteState) => AdminContext
  /** the site of `/v1/sites/{site}/…`; an unknown one is a 404 naming the sites */
  siteOf: (request: FastifyRequest) => SiteState
}

export function siteContexts (ctx: AdminContext, sites: SiteStates): SiteContexts {
  const contexts = new Map<string, AdminContext>()
  const contextOf = (site: SiteState): AdminContext => {
    const known = contexts.get(site.name)
    if (known !== undefined) return known
    const made: AdminContext = {
      get config () { return ctx.config },
      store: site.feed,
      runtime: site.runtime,
      healthDetails: ctx.healthDetails,
      instances: ctx.instances,
      confirm: ctx.confirm,
      readiness: ctx.readiness,
      nodes: site.nodes,
      sites,
      site: site.name
    }
    contexts.set(site.name, made)
    return made
  }
  const siteOf = (request: FastifyRequest): SiteState => {
    const name = (request.params as { site?: string }).site ?? ''
    const site = sites.get(name)
    if (site === undefined) throw new errors.GK_ERR_UNKNOWN_SITE(JSON.stringify(name), namesOf(sites))
    return site
  }
  return { contextOf, siteOf }
}

/** A site's call is checked before it is read: an unknown site is a 404 naming the sites, whatever the body. */
export function siteCallCheck (siteOf: SiteContexts['siteOf']): (request: FastifyRequest) => Promise<void> {
  return async (request) => { siteOf(request) }
}

/**
 * `GET /v1/sites` and `/v1/sites/{site}/state|close|open|stage|read-only`:
 * the mode routes, each on the named site's state (its own version, its own
 * compare-and-set, its own audit entries carrying the site). The old routes
 * act on `default`; with sites and no `default`, they answer 400 naming the
 * sites. Registered before the other routes of its scope, whose calls it guards.
 */
export async function siteRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  const sites = ctx.sites
  if (sites === undefined) return
  if (sites.fallback === null) {
    app.addHook('onRequest', async (request) => {
      const path = pathOf(request)
      const old = PER_STATE.find((prefix) => path === prefix || path.startsWith(`${prefix}/`))
      if (old !== undefined) throw new errors.GK_ERR_SITE_REQUIRED(`${request.method} ${old}`, old.slice(3), namesOf(sites))
    })
  }

  const { contextOf, siteOf } = siteContexts(ctx, sites)

  app.get('/v1/sites', { schema: readSchema('every site with its mode, share, reason, expected end and dependencies', SITES_REPLY) }, async () => {
    return sites.all.map((site) => {
      const state = site.runtime.current().state
      return { name: site.name, version: state.version, mode: state.mode, percent: state.percent, reason: state.reason, eta: state.window.end ?? null, dependsOn: site.site?.dependsOn ?? [], ...(state.flags === undefined ? {} : { flags: state.flags }) }
    })
  })

  await app.register(async (scope) => {
    // a site is checked before its call is read; ?wait= is judged on that site's figures in each instance's report
    scope.addHook('preValidation', siteCallCheck(siteOf))
    await modeRoutes(scope, (request) => contextOf(siteOf(request)), {
      base: '/v1/sites/:site',
      params: SITE_PARAMS,
      dependencies: (request, force) => checkDependencies(sites, siteOf(request).name, force)
    })
  })
}
