import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { futureTime } from '../input/body.js'
import type { SiteState } from '../sites/site-states.js'
import { withMode } from '../state/mode-changes.js'
import { withoutFlags } from '../state/flags.js'
import type { ChangeContext, State } from '../state/types.js'
import { waitOptions } from './confirm.js'
import { publicState, type AdminContext } from './context.js'
import { changeSchema, object, readSchema, text, time } from './schemas.js'

const SITE_NAME = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }
const WINDOW_PARAMS = object({ id: { type: 'string', maxLength: 4200 } }, ['id'])
const WINDOW_REPLY = object({ id: { type: 'string' }, sites: { type: 'object', additionalProperties: { type: 'object' } } })
const WINDOW_CHANGED = object({
  id: { type: 'string' },
  sites: { type: 'object', additionalProperties: { type: 'object' } },
  confirmation: { type: 'object', description: 'when the call asked ?wait=: `versions` (each site\'s) and the instances, each having applied every site\'s version (and, for drained, with none of their public requests or websockets left)' }
})

const OPEN_BODY = object({
  sites: { type: 'array', items: SITE_NAME, minItems: 1, maxItems: 64, description: 'the sites the window closes, as one change' },
  reason: text(500, 'shown to the public of every site'),
  until: time('the expected end, in the future'),
  versions: { type: 'object', additionalProperties: { type: 'integer', minimum: 0 }, description: 'per site, the version the change expects (as If-Match); a stale one refuses the whole window' }
}, ['sites'])

interface WindowBody { sites: string[], reason?: string, until?: string, versions?: Record<string, number> }

/**
 * A window's id names its sites (`w.<time>.<site>.<site>`; site names hold
 * no dot): the window needs no record of its own, and an id still means the
 * same sites after a restart.
 */
function windowId (now: number, names: readonly string[]): string {
  return `w.${now.toString(36)}.${names.join('.')}`
}

function namesOfId (id: string): string[] | null {
  const parts = id.split('.')
  if (parts.length < 3 || parts[0] !== 'w' || !/^[0-9a-z]+$/.test(parts[1] ?? '')) return null
  return parts.slice(2)
}

/** The mode and window a change found, put back: the undo of a window's close. */
function restored (current: State, before: State): State {
  const { retryAfter: _dropped, ...rest } = current
  return { ...rest, mode: before.mode, percent: before.percent, reason: before.reason, window: before.window, seed: before.seed, ...(before.retryAfter === undefined ? {} : { retryAfter: before.retryAfter }) }
}

/**
 * Applies `mutation` to each site, each compare-and-set against the version
 * it was checked at: every version is checked before anything is written,
 * and should a write still be refused (a change that landed in between),
 * the sites already changed are put back (audited `window.undo`) and the
 * refusal is answered. All of the window, or none of it.
 */
export async function changeAllSites (sites: readonly SiteState[], expected: readonly number[], ctx: (site: string) => ChangeContext, mutation: (current: State) => State, log: FastifyRequest['log']): Promise<State[]> {
  sites.forEach((site, i) => {
    const version = site.runtime.current().version
    if (version !== expected[i]) throw new errors.GK_ERR_VERSION_MISMATCH(`${version} for the site ${site.name}`, expected[i] ?? '?')
  })
  const applied: Array<{ site: SiteState, before: State, after: State }> = []
  try {
    for (const [i, site] of sites.entries()) {
      let before: State | null = null
      const after = await site.feed.update(ctx(site.name), (current) => {
        before = current
        return mutation(current)
      }, expected[i])
      applied.push({ site, before: before as unknown as State, after })
    }
  } catch (err) {
    for (const { site, before, after } of applied.reverse()) {
      try {
        await site.feed.update({ ...ctx(site.name), action: 'window.undo' }, (current) => restored(current, before), after.version)
      } catch (undoErr) {
        log.error({ site: site.name, err: (undoErr as Error).message }, 'a window could not put a site back: check it')
      }
    }
    throw err
  }
  return applied.map((entry) => entry.after)
}

/** `POST /v1/windows`, `GET /v1/windows/{id}`, `POST /v1/windows/{id}/extend`: one change across several sites. */
export async function windowRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  const sites = ctx.sites
  if (sites === undefined) return
  const names = (): string => sites.all.map((site) => site.name).join(', ')
  const known = (list: readonly string[]): SiteState[] => list.map((name) => sites.get(name) ?? (() => { throw new errors.GK_ERR_UNKNOWN_SITE(JSON.stringify(name), names()) })())
  const ofId = (id: string): SiteState[] => {
    const list = namesOfId(id)
    if (list === null) throw new errors.GK_ERR_NOT_FOUND(`window ${JSON.stringify(id.slice(0, 100))}`)
    return known(list)
  }
  const changeOf = (request: FastifyRequest, action: string, id: string) => (site: string): ChangeContext => ({ actor: request.adminToken?.name ?? 'unknown', ip: request.ip, action, site, window: id })
  const answer = (id: string, states: readonly State[], list: readonly SiteState[]): Record<string, unknown> => ({ id, sites: Object.fromEntries(list.map((site, i) => [site.name, publicState(states[i] as State)])) })

  app.post<{ Body: WindowBody }>('/v1/windows', { schema: changeSchema({ summary: 'close several sites as one change: all or none', body: OPEN_BODY, created: WINDOW_CHANGED }) }, async (request, reply) => {
    const now = Date.now()
    const body = request.body
    const wait = waitOptions(request)
    const until = futureTime(body.until, 'body.until', now)
    const twice = body.sites.find((name, i) => body.sites.indexOf(name) !== i)
    if (twice !== undefined) throw new errors.GK_ERR_BAD_FIELD('body.sites', `names ${JSON.stringify(twice)} twice`)
    const list = known(body.sites)
    const stray = Object.keys(body.versions ?? {}).find((name) => !body.sites.includes(name))
    if (stray !== undefined) throw new errors.GK_ERR_BAD_FIELD('body.versions', `names ${JSON.stringify(stray)}, which is not among the window's sites`)
    const expected = list.map((site) => body.versions?.[site.name] ?? site.runtime.current().version)
    const id = windowId(now, body.sites)
    const states = await changeAllSites(list, expected, changeOf(request, 'window.close', id), (current) => withoutFlags(withMode(current, { mode: 'closed', reason: body.reason, until }, now)), request.log)
    request.log.info({ window: id, sites: body.sites }, 'window closed')
    reply.code(201).header('location', `/v1/windows/${id}`)
    // the window is made either way: the wait tells whether every instance has it, on every site of it
    const confirmation = await ctx.confirm(wait, list.map((site, i) => ({ site: site.name, version: (states[i] as State).version })))
    return confirmation === undefined ? answer(id, states, list) : { ...answer(id, states, list), confirmation }
  })

  app.get<{ Params: { id: string } }>('/v1/windows/:id', { schema: readSchema('a window: its sites, each with its state', WINDOW_REPLY, { params: WINDOW_PARAMS }) }, async (request) => {
    const list = ofId(request.params.id)
    return answer(request.params.id, list.map((site) => site.runtime.current().state), list)
  })

  app.post<{ Params: { id: string }, Body: { until: string } }>('/v1/windows/:id/extend', { schema: changeSchema({ summary: 'move the expected end of every site of a window', params: WINDOW_PARAMS, body: object({ until: time('the new expected end, in the future') }, ['until']), reply: WINDOW_CHANGED }) }, async (request) => {
    const now = Date.now()
    const wait = waitOptions(request)
    const list = ofId(request.params.id)
    const until = futureTime(request.body.until, 'body.until', now) as string
    const open = list.filter((site) => site.runtime.current().mode === 'open').map((site) => site.name)
    if (open.length > 0) throw new errors.GK_ERR_CONFLICT(`the window's sites ${open.join(', ')} are open again: a window is extended while all its sites are in it`)
    const expected = list.map((site) => site.runtime.current().version)
    const states = await changeAllSites(list, expected, changeOf(request, 'window.extend', request.params.id), (current) => ({ ...current, window: { ...current.window, end: until } }), request.log)
    const confirmation = await ctx.confirm(wait, list.map((site, i) => ({ site: site.name, version: (states[i] as State).version })))
    return confirmation === undefined ? answer(request.params.id, states, list) : { ...answer(request.params.id, states, list), confirmation }
  })
}
