import { errors } from '../errors.js'
import { errorBodyOf } from '../errors-reply.js'
import { prefersJson } from '../runtime/maintenance.js'

const PAGE = (status: number, title: string, text: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${status} ${title}</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style></head>
<body><main><h1>${title}</h1><p>${text}</p></main></body></html>
`

/** One answer, as Node writes it: a status, a flat header list and a body. */
export interface UpstreamErrorAnswer {
  status: 502 | 504
  headers: string[]
  body: Buffer
}

function answer (status: 502 | 504, json: boolean): UpstreamErrorAnswer {
  const title = status === 504 ? 'Gateway Timeout' : 'Bad Gateway'
  const err = new errors.GK_UPSTREAM_UNAVAILABLE(status === 504 ? 'did not answer in time' : 'behind this site is not answering right now')
  const body = Buffer.from(json ? JSON.stringify(errorBodyOf(err, {}, status)) : PAGE(status, title, err.message))
  const type = json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8'
  return { status, headers: ['cache-control', 'no-store', 'content-type', type, 'content-length', String(body.length)], body }
}

const ANSWERS = {
  502: { json: answer(502, true), html: answer(502, false) },
  504: { json: answer(504, true), html: answer(504, false) }
}

/**
 * The upstream failed, not the gate: a 502 (or 504 for a timeout) that says
 * so, never Gatekeeper's 503 (which means maintenance) and never a stack
 * trace; JSON for a client that prefers it.
 */
export function upstreamErrorAnswer (timedOut: boolean, accept: string | undefined): UpstreamErrorAnswer {
  const answers = ANSWERS[timedOut ? 504 : 502]
  return prefersJson(accept) ? answers.json : answers.html
}

const UNAVAILABLE_TEXT = 'The application behind this site is not available right now. Please try again in a moment.'
/** Seconds a client is told to wait when no node may take its request. */
export const UNAVAILABLE_RETRY_AFTER = 5

function unavailable (json: boolean): UpstreamErrorAnswer {
  const title = 'Bad Gateway'
  const body = Buffer.from(json
    ? JSON.stringify({ statusCode: 502, code: 'GK_UPSTREAM_UNAVAILABLE', error: title, message: UNAVAILABLE_TEXT })
    : PAGE(502, 'Application unavailable', UNAVAILABLE_TEXT))
  const type = json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8'
  return { status: 502, headers: ['cache-control', 'no-store', 'retry-after', String(UNAVAILABLE_RETRY_AFTER), 'content-type', type, 'content-length', String(body.length)], body }
}

const UNAVAILABLE = { json: unavailable(true), html: unavailable(false) }

/**
 * No node may take the request (every node down, out, or kept for testers):
 * a 502 with Retry-After, the application's trouble and not maintenance, so
 * never the maintenance page or its 503.
 */
export function unavailableAnswer (accept: string | undefined): UpstreamErrorAnswer {
  return prefersJson(accept) ? UNAVAILABLE.json : UNAVAILABLE.html
}
