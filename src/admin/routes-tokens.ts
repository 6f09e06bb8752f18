import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { generateBypassToken, sha256Hex } from '../gate/token.js'
import type { BypassToken } from '../state/types.js'
import { ttlSeconds } from '../input/body.js'
import { change, type AdminContext } from './context.js'
import { checkedSites } from './site-names.js'
import { changeSchema, duration, object, readSchema, type Schema } from './schemas.js'

const MAX_TTL = 30 * 86400

const TOKEN: Schema = {
  type: 'object',
  description: 'a token as the API shows it: never its secret or its hash',
  properties: { name: { type: 'string' }, expiresAt: { type: 'string' }, createdBy: { type: 'string' }, createdAt: { type: 'string' }, expired: { type: 'boolean' }, sites: { type: 'array', items: { type: 'string' }, description: 'the sites it passes; absent: every site' } }
}
const NAME_PARAM = object({ name: { type: 'string', description: 'the token\'s name' } }, ['name'])
const CREATE = object({
  name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$', description: '1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit' },
  ttl: duration('from 1 minute to 30 days'),
  sites: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 63 }, description: 'the sites whose gate it passes (default: every site)' }
}, ['name', 'ttl'])
const CREATED: Schema = {
  type: 'object',
  description: 'the secret, in this answer only; Location names the token',
  properties: { name: { type: 'string' }, token: { type: 'string' }, link: { type: 'string' }, header: { type: 'string' }, expiresAt: { type: 'string' }, sites: { type: 'array', items: { type: 'string' } }, version: { type: 'integer' } }
}

/** What the API shows of a token: never its hash. */
function shown (token: BypassToken, now: number): Record<string, unknown> {
  return { name: token.name, expiresAt: token.expiresAt, createdBy: token.createdBy, createdAt: token.createdAt, expired: Date.parse(token.expiresAt) <= now, ...(token.sites === undefined ? {} : { sites: token.sites }) }
}

/** Named, expiring, revocable bypass tokens for testers. The secret is shown once. */
export async function tokenRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/tokens', { schema: readSchema('the tokens: names, expiry, who created them', { type: 'array', items: TOKEN }) }, async () => {
    const now = Date.now()
    return ctx.runtime.current().state.tokens.map((token) => shown(token, now))
  })

  // where a 201 points: one token, without its secret
  app.get<{ Params: { name: string } }>('/v1/tokens/:name', { schema: readSchema('one token', TOKEN, { params: NAME_PARAM }) }, async (request) => {
    const name = request.params.name
    const token = ctx.runtime.current().state.tokens.find((candidate) => candidate.name === name)
    if (token === undefined) throw new errors.GK_ERR_NOT_FOUND(`token named "${name}"`)
    return shown(token, Date.now())
  })

  app.post<{ Body: { name: string, ttl: number | string, sites?: string[] } }>('/v1/tokens', { schema: changeSchema({ summary: 'a tester bypass token', body: CREATE, created: CREATED }) }, async (request, reply) => {
    const now = Date.now()
    const name = request.body.name
    const ttl = ttlSeconds(request.body.ttl, 'body.ttl', MAX_TTL)
    const sites = checkedSites(request.body.sites, ctx.config)
    const secret = generateBypassToken()
    const expiresAt = new Date(now + ttl * 1000).toISOString()
    const actor = request.adminToken?.name ?? 'unknown'
    reply.code(201)
    const state = await change(ctx, request, reply, 'token.create', (current) => {
      // expired tokens are pruned here; a live one keeps its name
      const live = current.tokens.filter((token) => Date.parse(token.expiresAt) > now)
      if (live.some((token) => token.name === name)) throw new errors.GK_ERR_CONFLICT(`a token named "${name}" already exists; revoke it first or pick another name`)
      return { ...current, tokens: [...live, { name, sha256: sha256Hex(secret), expiresAt, createdBy: actor, createdAt: new Date(now).toISOString(), ...(sites === undefined ? {} : { sites }) }] }
    })
    reply.header('location', `/v1/tokens/${encodeURIComponent(name)}`)
    return { name, token: secret, link: `/__gatekeeper/bypass/${secret}`, header: ctx.config.bypass.header, expiresAt, ...(sites === undefined ? {} : { sites }), version: state.version }
  })

  app.delete<{ Params: { name: string } }>('/v1/tokens/:name', { schema: changeSchema({ summary: 'revoke a token, at once', params: NAME_PARAM }) }, async (request, reply) => {
    const name = request.params.name
    return await change(ctx, request, reply, 'token.revoke', (current) => {
      const kept = current.tokens.filter((token) => token.name !== name)
      if (kept.length === current.tokens.length) throw new errors.GK_ERR_NOT_FOUND(`token named "${name}"`)
      return { ...current, tokens: kept }
    })
  })
}
