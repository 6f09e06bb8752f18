import type { FastifyInstance } from 'fastify'
import type { Clock } from '../reopen/clock.js'
import type { AdminContext } from './context.js'
import { SITE_PARAMS, siteCallCheck, siteContexts } from './routes-sites.js'
import { timelineRoutes } from './routes-timeline.js'

/**
 * `GET /v1/sites/{site}/timeline`: the night's timeline of one site, told
 * from its own audit log and its own per-minute counts. An unknown site is
 * a 404 naming the sites.
 */
export async function siteTimelineRoutes (app: FastifyInstance, ctx: AdminContext, clock: Clock): Promise<void> {
  const sites = ctx.sites
  if (sites === undefined) return
  const { contextOf, siteOf } = siteContexts(ctx, sites)
  await app.register(async (scope) => {
    scope.addHook('preValidation', siteCallCheck(siteOf))
    await timelineRoutes(scope, (request) => contextOf(siteOf(request)), sites.top.timeline, clock, {
      base: '/v1/sites/:site',
      params: SITE_PARAMS,
      countsOf: (request) => siteOf(request).timeline
    })
  })
}
