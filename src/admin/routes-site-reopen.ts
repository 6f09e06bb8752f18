import type { FastifyInstance } from 'fastify'
import type { Reopen } from '../reopen-services.js'
import type { AdminContext } from './context.js'
import { nodeRoutes } from './routes-nodes.js'
import { reopenRoutes } from './routes-reopen.js'
import { SITE_PARAMS, siteCallCheck, siteContexts } from './routes-sites.js'

/**
 * `/v1/sites/{site}/ramp|schedule|admission|nodes`: the same calls as the
 * old routes, each on the named site: its state (`If-Match` is its
 * version), its drivers and health gate, its own nodes. An unknown site is
 * a 404 naming the sites.
 */
export async function siteReopenRoutes (app: FastifyInstance, ctx: AdminContext, reopen: Reopen): Promise<void> {
  const sites = ctx.sites
  if (sites === undefined) return
  const { contextOf, siteOf } = siteContexts(ctx, sites)
  await app.register(async (scope) => {
    scope.addHook('preValidation', siteCallCheck(siteOf))
    const ctxOf = (request: Parameters<typeof siteOf>[0]): AdminContext => contextOf(siteOf(request))
    const base = '/v1/sites/:site'
    await reopenRoutes(scope, ctxOf, reopen, {
      base,
      params: SITE_PARAMS,
      gateOf: (request) => {
        const name = siteOf(request).name
        const gate = reopen.gateOf(name)
        // every configured site has its drivers (createReopen makes them from the same list)
        if (gate === undefined) throw new Error(`no drivers for the site ${name}`)
        return gate
      }
    })
    await nodeRoutes(scope, ctxOf, { base, params: SITE_PARAMS })
  })
}
