import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { parseCidr } from '../gate/cidr.js'
import { MAX_ALLOWLIST_ENTRIES } from '../state/limits.js'
import type { AllowEntry } from '../state/types.js'
import { futureTime } from '../input/body.js'
import { change, type AdminContext } from './context.js'
import { checkedSites, SITES_FIELD } from './site-names.js'
import { changeSchema, object, readSchema, text, time, type Schema } from './schemas.js'

const ENTRY: Schema = {
  type: 'object',
  properties: { cidr: { type: 'string' }, label: { type: 'string' }, expiresAt: { type: 'string' }, addedBy: { type: 'string' }, addedAt: { type: 'string' }, expired: { type: 'boolean' }, sites: { type: 'array', items: { type: 'string' }, description: 'the sites it admits on; absent: every site' } }
}
const CIDR_PARAM = object({ '*': { type: 'string', description: 'a CIDR; its "/" may be sent as is or as %2F' } }, ['*'])
const ADD = object({
  cidr: { type: 'string', minLength: 1, description: 'an address or block such as "203.0.113.7/32" or "2001:db8::/48"' },
  label: text(200),
  expiresAt: time('when the entry stops counting, in the future'),
  sites: { ...SITES_FIELD, description: 'the sites whose gate it admits on (default: every site)' }
}, ['cidr'])

interface CidrParams { '*': string }
interface AddBody { cidr: string, label?: string, expiresAt?: string, sites?: string[] }

function shown (entry: AllowEntry, now: number): AllowEntry & { expired: boolean } {
  return { ...entry, expired: entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= now }
}

/** Dynamic allowlist entries: added and removed at run time, with an optional expiry. */
export async function allowlistRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  const list = object({ static: { type: 'array', items: { type: 'object' } }, dynamic: { type: 'array', items: ENTRY } })
  app.get('/v1/allowlist', { schema: readSchema('the static and dynamic entries; expired dynamic ones are flagged', list) }, async () => {
    const now = Date.now()
    return {
      static: ctx.config.allowlist,
      dynamic: ctx.runtime.current().state.allowlist.map((entry) => shown(entry, now))
    }
  })

  // where a 201 points: one dynamic entry
  app.get<{ Params: CidrParams }>('/v1/allowlist/*', { schema: readSchema('one dynamic entry', ENTRY, { params: CIDR_PARAM }) }, async (request) => {
    const cidr = parseCidr(request.params['*']).text
    const entry = ctx.runtime.current().state.allowlist.find((candidate) => candidate.cidr === cidr)
    if (entry === undefined) throw new errors.GK_ERR_NOT_FOUND(`dynamic allowlist entry ${cidr}`)
    return shown(entry, Date.now())
  })

  const added = { ...ENTRY, description: 'the new state; Location names the entry' }
  app.post<{ Body: AddBody }>('/v1/allowlist', { schema: changeSchema({ summary: 'add a dynamic entry', body: ADD, created: added }) }, async (request, reply) => {
    const now = Date.now()
    const cidr = parseCidr(request.body.cidr).text
    const label = request.body.label ?? ''
    const expiresAt = futureTime(request.body.expiresAt, 'body.expiresAt', now)
    const sites = checkedSites(request.body.sites, ctx.config)
    const actor = request.adminToken?.name ?? 'unknown'
    reply.code(201)
    const state = await change(ctx, request, reply, 'allowlist.add', (current) => {
      if (current.allowlist.some((entry) => entry.cidr === cidr)) {
        throw new errors.GK_ERR_CONFLICT(`${cidr} is already in the allowlist; remove it first to change it`)
      }
      // expired entries count until they are removed: they are still stored
      const held = ctx.config.allowlist.length + current.allowlist.length
      if (held >= MAX_ALLOWLIST_ENTRIES) {
        throw new errors.GK_ERR_ALLOWLIST_FULL(MAX_ALLOWLIST_ENTRIES, `it holds ${ctx.config.allowlist.length} static and ${current.allowlist.length} dynamic entries: remove one first`)
      }
      const entry = { cidr, label, addedBy: actor, addedAt: new Date(now).toISOString(), ...(expiresAt === undefined ? {} : { expiresAt }), ...(sites === undefined ? {} : { sites }) }
      return { ...current, allowlist: [...current.allowlist, entry] }
    })
    reply.header('location', `/v1/allowlist/${encodeURIComponent(cidr)}`)
    return state
  })

  // the CIDR's slash may come encoded (%2F) or as a second path segment
  app.delete<{ Params: CidrParams }>('/v1/allowlist/*', { schema: changeSchema({ summary: 'remove a dynamic entry', params: CIDR_PARAM }) }, async (request, reply) => {
    const cidr = parseCidr(request.params['*']).text
    return await change(ctx, request, reply, 'allowlist.remove', (current) => {
      const kept = current.allowlist.filter((entry) => entry.cidr !== cidr)
      if (kept.length === current.allowlist.length) throw new errors.GK_ERR_NOT_FOUND(`dynamic allowlist entry ${cidr}`)
      return { ...current, allowlist: kept }
    })
  })
}
