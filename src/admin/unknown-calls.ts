import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'

/** Every method the admin API could answer, in the order Allow lists them. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/** The methods `app` answers at `path`; none for a path it does not know. Read from the router, so it never drifts from the routes. */
export function allowedMethods (app: FastifyInstance, path: string): string[] {
  return METHODS.filter((method) => app.findRoute({ method, url: path }) !== null)
}

/**
 * Fastify's not-found handler for the admin API: a known path called with
 * another method is a 405 with Allow (RFC 9110 §15.5.6); a path nobody
 * serves is a 404. Both take the usual error shape.
 */
export function answerUnknownCalls (app: FastifyInstance) {
  return async function unknownCall (request: FastifyRequest, reply: FastifyReply): Promise<never> {
    const path = request.url.split('?', 1)[0] ?? ''
    const allowed = allowedMethods(app, path)
    if (allowed.length === 0) throw new errors.GK_ERR_NOT_FOUND(`no admin call ${request.method} ${path}`)
    const allow = allowed.join(', ')
    reply.header('allow', allow)
    throw new errors.GK_ERR_METHOD_NOT_ALLOWED(request.method, path, allow)
  }
}
