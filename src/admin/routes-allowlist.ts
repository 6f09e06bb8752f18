import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { parseCidr } from '../gate/cidr.js'
import { MAX_ALLOWLIST_ENTRIES } from '../state/limits.js'
import type { AllowEntry } from '../state/types.js'
import { bodyOf, futureTime, optionalText } from '../input/body.js'
import { change, type AdminContext } from './context.js'

function cidrOf (value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new errors.GK_ERR_BAD_REQUEST('"cidr" is required, e.g. "203.0.113.7/32" or "2001:db8::/48"')
  return parseCidr(value).text
}

function shown (entry: AllowEntry, now: number): AllowEntry & { expired: boolean } {
  return { ...entry, expired: entry.expiresAt !== undefined && Date.parse(entry.expiresAt) <= now }
}

/** Dynamic allowlist entries: added and removed at run time, with an optional expiry. */
export async function allowlistRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/allowlist', async () => {
    const now = Date.now()
    return {
      static: ctx.config.allowlist,
      dynamic: ctx.runtime.current().state.allowlist.map((entry) => shown(entry, now))
    }
  })

  // where a 201 points: one dynamic entry
  app.get('/v1/allowlist/*', async (request) => {
    const cidr = cidrOf((request.params as { '*': string })['*'])
    const entry = ctx.runtime.current().state.allowlist.find((candidate) => candidate.cidr === cidr)
    if (entry === undefined) throw new errors.GK_ERR_NOT_FOUND(`${cidr} is not a dynamic allowlist entry`)
    return shown(entry, Date.now())
  })

  app.post('/v1/allowlist', async (request, reply) => {
    const now = Date.now()
    const body = bodyOf(request.body, ['cidr', 'label', 'expiresAt'])
    const cidr = cidrOf(body.cidr)
    const label = optionalText(body, 'label', 200) ?? ''
    const expiresAt = futureTime(body, 'expiresAt', now)
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
      const entry = { cidr, label, addedBy: actor, addedAt: new Date(now).toISOString(), ...(expiresAt === undefined ? {} : { expiresAt }) }
      return { ...current, allowlist: [...current.allowlist, entry] }
    })
    reply.header('location', `/v1/allowlist/${encodeURIComponent(cidr)}`)
    return state
  })

  // the CIDR's slash may come encoded (%2F) or as a second path segment
  app.delete('/v1/allowlist/*', async (request, reply) => {
    const cidr = cidrOf((request.params as { '*': string })['*'])
    return await change(ctx, request, reply, 'allowlist.remove', (current) => {
      const kept = current.allowlist.filter((entry) => entry.cidr !== cidr)
      if (kept.length === current.allowlist.length) throw new errors.GK_ERR_NOT_FOUND(`${cidr} is not a dynamic allowlist entry`)
      return { ...current, allowlist: kept }
    })
  })
}
