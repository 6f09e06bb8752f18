import type { FastifyInstance, FastifyRequest } from 'fastify'
import { futureTime, percentOf, wholeSeconds } from '../input/body.js'
import { change, publicState, type AdminContext, type DependencyOutcome } from './context.js'
import { namedByIfNoneMatch } from './if-none-match.js'
import { NOTHING, STATE_REPLY, changeSchema, duration, object, readSchema, text, time } from './schemas.js'
import { withMode, type ModeChange } from '../state/mode-changes.js'
import { withoutFlags } from '../state/flags.js'
import type { State } from '../state/types.js'

const REASON = text(500, 'shown to the public')
const UNTIL = time('the expected end, in the future; shown to the public')

const STATE_READ = { ...readSchema('the state; ETag: "<version>", and 304 to a matching If-None-Match', STATE_REPLY), 'x-if-none-match': true }

interface WindowBody { reason?: string, until?: string }

/** The context a call acts on: one for the old routes, the named site's for `/v1/sites/{site}/…`. */
export type ContextOf = (request: FastifyRequest) => AdminContext

export interface ModeRouteOptions {
  /** `/v1` (the default), or `/v1/sites/:site` */
  base?: string
  /** the schema of the base's params */
  params?: Record<string, unknown>
  /**
   * With `sites:`: the check of a site's `dependsOn` before it opens or is
   * staged (throws 409 while one is closed, unless forced); the calls then take `force`.
   */
  dependencies?: (request: FastifyRequest, force: boolean) => DependencyOutcome
}

/** An operator's change of the mode: it is their decision about the site, so its flags are cleared. */
function decided (current: State, next: ModeChange, now: number): State {
  return withoutFlags(withMode(current, next, now))
}

const FORCE = { type: 'boolean', description: 'open or stage even while a site this one depends on is closed; audited as forced' }

/** The state and the calls that change the mode. */
export async function modeRoutes (app: FastifyInstance, context: AdminContext | ContextOf, options: ModeRouteOptions = {}): Promise<void> {
  const { base = '/v1', params, dependencies } = options
  const ctxOf: ContextOf = typeof context === 'function' ? context : () => context
  const withParams = <T extends Record<string, unknown>>(schema: T): T => params === undefined ? schema : { ...schema, params }
  app.get(`${base}/state`, { schema: withParams(STATE_READ) }, async (request, reply) => {
    const state = ctxOf(request).runtime.current().state
    const etag = `"${state.version}"`
    reply.header('etag', etag)
    if (namedByIfNoneMatch(request.headers['if-none-match'], etag)) return await reply.code(304).send()
    return publicState(state)
  })

  const close = object({ reason: REASON, until: UNTIL, retryAfter: duration('from 1 second to 7 days; the Retry-After the public gets') })
  app.post<{ Body: WindowBody & { retryAfter?: number | string } }>(`${base}/close`, { schema: withParams(changeSchema({ summary: 'close', body: close })) }, async (request, reply) => {
    const now = Date.now()
    const body = request.body
    const until = futureTime(body.until, 'body.until', now)
    const retryAfter = wholeSeconds(body.retryAfter, 'body.retryAfter', 1, 604800)
    return await change(ctxOf(request), request, reply, 'close', (current) => decided(current, { mode: 'closed', reason: body.reason, until, retryAfter }, now))
  })

  app.post<{ Body: WindowBody }>(`${base}/read-only`, { schema: withParams(changeSchema({ summary: 'read-only: safe methods pass', body: object({ reason: REASON, until: UNTIL }) })) }, async (request, reply) => {
    const now = Date.now()
    const until = futureTime(request.body.until, 'body.until', now)
    return await change(ctxOf(request), request, reply, 'read-only', (current) => decided(current, { mode: 'read-only', reason: request.body.reason, until }, now))
  })

  const stage = object({
    percent: { type: 'number', description: 'a number from 0 to 100 with at most two decimals' },
    reason: REASON,
    until: UNTIL,
    ...(dependencies === undefined ? {} : { force: FORCE })
  }, ['percent'])
  app.post<{ Body: WindowBody & { percent: number, force?: boolean } }>(`${base}/stage`, { schema: withParams(changeSchema({ summary: 'staged: admit a share of the public', body: stage })) }, async (request, reply) => {
    const now = Date.now()
    const percent = percentOf(request.body.percent)
    const until = futureTime(request.body.until, 'body.until', now)
    const outcome = dependencies?.(request, request.body.force === true)
    return await change(ctxOf(request), request, reply, 'stage', (current) => decided(current, { mode: 'staged', percent, reason: request.body.reason, until }, now), outcome)
  })

  const open = dependencies === undefined ? NOTHING : object({ force: FORCE })
  app.post<{ Body: { force?: boolean } }>(`${base}/open`, { schema: withParams(changeSchema({ summary: 'open', body: open })) }, async (request, reply) => {
    const now = Date.now()
    const outcome = dependencies?.(request, request.body.force === true)
    return await change(ctxOf(request), request, reply, 'open', (current) => decided(current, { mode: 'open' }, now), outcome)
  })
}
