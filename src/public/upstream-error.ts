import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { prefersJson } from '../runtime/maintenance.js'

const PAGE = (status: number, title: string, text: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${status} ${title}</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><main><h1>${title}</h1><p>${text}</p></main></body></html>
`

/**
 * The upstream failed, not the gate: a 502 (or 504 for a timeout) that says
 * so, never Gatekeeper's 503 (which means maintenance) and never a stack trace.
 */
export function sendUpstreamError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const isTimeout = error.statusCode === 504
  const upstreamFailed = typeof error.code === 'string' && (error.code.startsWith('FST_REPLY_FROM') || error.code.startsWith('UND_ERR') || error.code === 'ECONNRESET')
  if (!upstreamFailed && error.statusCode !== undefined && error.statusCode < 500) {
    reply.code(error.statusCode).send({ statusCode: error.statusCode, code: error.code, error: 'Bad Request', message: error.message })
    return
  }
  const status = isTimeout ? 504 : 502
  const title = isTimeout ? 'Gateway Timeout' : 'Bad Gateway'
  const text = isTimeout
    ? 'The application did not answer in time. Please try again in a moment.'
    : 'The application behind this site is not answering right now. Please try again in a moment.'
  request.log.warn({ err: { code: error.code, message: error.message } }, 'upstream failed')
  reply.code(status).header('cache-control', 'no-store')
  if (prefersJson(request.headers.accept)) {
    reply.send({ statusCode: status, code: 'GK_UPSTREAM_UNAVAILABLE', error: title, message: text })
    return
  }
  reply.header('content-type', 'text/html; charset=utf-8').send(PAGE(status, title, text))
}
