import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { generateBypassToken, sha256Hex } from '../gate/token.js'
import type { BypassToken } from '../state/types.js'
import { bodyOf, ttlSeconds } from '../input/body.js'
import { change, type AdminContext } from './context.js'

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/
const MAX_TTL = 30 * 86400

/** What the API shows of a token: never its hash. */
function shown (token: BypassToken, now: number): Record<string, unknown> {
  return { name: token.name, expiresAt: token.expiresAt, createdBy: token.createdBy, createdAt: token.createdAt, expired: Date.parse(token.expiresAt) <= now }
}

/** Named, expiring, revocable bypass tokens for testers. The secret is shown once. */
export async function tokenRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/tokens', async () => {
    const now = Date.now()
    return ctx.runtime.current().state.tokens.map((token) => shown(token, now))
  })

  // where a 201 points: one token, without its secret
  app.get<{ Params: { name: string } }>('/v1/tokens/:name', async (request) => {
    const name = request.params.name
    const token = ctx.runtime.current().state.tokens.find((candidate) => candidate.name === name)
    if (token === undefined) throw new errors.GK_ERR_NOT_FOUND(`no token named "${name}"`)
    return shown(token, Date.now())
  })

  app.post('/v1/tokens', async (request, reply) => {
    const now = Date.now()
    const body = bodyOf(request.body, ['name', 'ttl'])
    if (typeof body.name !== 'string' || !NAME.test(body.name)) {
      throw new errors.GK_ERR_BAD_REQUEST('"name" must be 1 to 64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit')
    }
    const name = body.name
    const ttl = ttlSeconds(body.ttl, 'ttl', MAX_TTL)
    const secret = generateBypassToken()
    const expiresAt = new Date(now + ttl * 1000).toISOString()
    const actor = request.adminToken?.name ?? 'unknown'
    reply.code(201)
    const state = await change(ctx, request, reply, 'token.create', (current) => {
      // expired tokens are pruned here; a live one keeps its name
      const live = current.tokens.filter((token) => Date.parse(token.expiresAt) > now)
      if (live.some((token) => token.name === name)) throw new errors.GK_ERR_CONFLICT(`a token named "${name}" already exists; revoke it first or pick another name`)
      return { ...current, tokens: [...live, { name, sha256: sha256Hex(secret), expiresAt, createdBy: actor, createdAt: new Date(now).toISOString() }] }
    })
    reply.header('location', `/v1/tokens/${encodeURIComponent(name)}`)
    return { name, token: secret, link: `/__gatekeeper/bypass/${secret}`, header: ctx.config.bypass.header, expiresAt, version: state.version }
  })

  app.delete<{ Params: { name: string } }>('/v1/tokens/:name', async (request, reply) => {
    const name = request.params.name
    return await change(ctx, request, reply, 'token.revoke', (current) => {
      const kept = current.tokens.filter((token) => token.name !== name)
      if (kept.length === current.tokens.length) throw new errors.GK_ERR_NOT_FOUND(`no token named "${name}"`)
      return { ...current, tokens: kept }
    })
  })
}
