import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AdminToken, Role } from '../config/config.js'
import { errors } from '../errors.js'
import { matchHashedSecret } from '../gate/token.js'

declare module 'fastify' {
  interface FastifyRequest {
    adminToken: AdminToken | null
  }
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/

/**
 * Finds the configured token a request presents. Tokens are kept as SHA-256
 * hashes and compared in constant time against every one of them.
 */
export function authenticate (header: string | undefined, tokens: readonly AdminToken[]): AdminToken {
  if (header === undefined || header.length === 0) throw new errors.GK_ERR_UNAUTHORIZED('an Authorization: Bearer <token> header is required')
  const match = BEARER.exec(header)
  if (match === null) throw new errors.GK_ERR_UNAUTHORIZED('the Authorization header must be "Bearer <token>"')
  const token = matchHashedSecret(match[1] as string, tokens)
  if (token === undefined) throw new errors.GK_ERR_UNAUTHORIZED('the bearer token is not valid')
  return token
}

export function requireRole (token: AdminToken, role: Role): void {
  if (role === 'operator' && token.role !== 'operator') {
    throw new errors.GK_ERR_FORBIDDEN(`the token "${token.name}" is a viewer: changes need an operator token`)
  }
}

/** The hook of the admin API: every call but /healthz needs a token; changes need an operator. The tokens in force are read per call (a reload may change them). */
export function authHook (tokensOf: () => readonly AdminToken[], open: ReadonlySet<string>) {
  return async function checkToken (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = request.url.split('?', 1)[0] as string
    if (open.has(path)) return
    try {
      request.adminToken = authenticate(request.headers.authorization, tokensOf())
    } catch (err) {
      reply.header('www-authenticate', 'Bearer realm="gatekeeper"')
      throw err
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') requireRole(request.adminToken, 'operator')
  }
}
