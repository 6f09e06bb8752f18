import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'

const GK_ERR_UNSUPPORTED_MEDIA_TYPE = errors.GK_ERR_UNSUPPORTED_MEDIA_TYPE

/**
 * The admin API parses JSON and nothing else. text/plain, form-urlencoded and
 * multipart are what a cross-site <form> can post without a CORS preflight;
 * the bearer token already stops such a post, and this refuses its body too.
 */
export function acceptJsonBodiesOnly (app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('*', (request, _payload, done) => {
    const type = request.headers['content-type']
    done(new GK_ERR_UNSUPPORTED_MEDIA_TYPE(type === undefined ? 'a body without a Content-Type' : JSON.stringify(type.slice(0, 100))), undefined)
  })
}
