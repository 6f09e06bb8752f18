import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { bodyOf, futureTime, optionalText, percentOf, wholeSeconds } from '../input/body.js'
import { change, publicState, type AdminContext } from './context.js'
import { namedByIfNoneMatch } from './if-none-match.js'
import { withMode } from '../state/mode-changes.js'

/** The state and the calls that change the mode. */
export async function modeRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/state', async (request, reply) => {
    const state = ctx.runtime.current().state
    const etag = `"${state.version}"`
    reply.header('etag', etag)
    if (namedByIfNoneMatch(request.headers['if-none-match'], etag)) return await reply.code(304).send()
    return publicState(state)
  })

  app.post('/v1/close', async (request, reply) => {
    const now = Date.now()
    const body = bodyOf(request.body, ['reason', 'until', 'retryAfter'])
    const reason = optionalText(body, 'reason')
    const until = futureTime(body, 'until', now)
    const retryAfter = wholeSeconds(body, 'retryAfter', 1, 604800)
    return await change(ctx, request, reply, 'close', (current) => withMode(current, { mode: 'closed', reason, until, retryAfter }, now))
  })

  app.post('/v1/read-only', async (request, reply) => {
    const now = Date.now()
    const body = bodyOf(request.body, ['reason', 'until'])
    const reason = optionalText(body, 'reason')
    const until = futureTime(body, 'until', now)
    return await change(ctx, request, reply, 'read-only', (current) => withMode(current, { mode: 'read-only', reason, until }, now))
  })

  app.post('/v1/stage', async (request, reply) => {
    const now = Date.now()
    const body = bodyOf(request.body, ['percent', 'reason', 'until'])
    if (body.percent === undefined) throw new errors.GK_ERR_BAD_REQUEST('"percent" is required (0 to 100, two decimals at most)')
    const percent = percentOf(body.percent)
    const reason = optionalText(body, 'reason')
    const until = futureTime(body, 'until', now)
    return await change(ctx, request, reply, 'stage', (current) => withMode(current, { mode: 'staged', percent, reason, until }, now))
  })

  app.post('/v1/open', async (request, reply) => {
    const now = Date.now()
    bodyOf(request.body, [])
    return await change(ctx, request, reply, 'open', (current) => withMode(current, { mode: 'open' }, now))
  })
}
