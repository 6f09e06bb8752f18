import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { Pool, type Dispatcher } from 'undici'
import { clientHeaders, upstreamHeaderList, type ForwardedOptions } from './forwarded-headers.js'
import type { UpstreamObserver } from './gated-proxy.js'

export interface UpstreamPassOptions {
  upstream: URL
  forwarded: ForwardedOptions
  observer?: UpstreamObserver
}

/**
 * The pool's terms. One request per connection at a time (no pipelining): a
 * slow page must never hold up another client's request queued behind it on
 * the same socket. Idle connections are kept for reuse, so a steady load
 * costs no connection set-up.
 */
const POOL_OPTIONS: Pool.Options = {
  pipelining: Number(process.env.GK_EXP_PIPELINING ?? 1),
  ...(process.env.GK_EXP_CONNECTIONS === undefined ? {} : { connections: Number(process.env.GK_EXP_CONNECTIONS) }),
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 120_000
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

/** An upstream failure for the error handler: a timeout is a 504, anything else a 502. */
function upstreamFailure (err: Error): FastifyError {
  const error = err as FastifyError
  error.statusCode = TIMEOUT_CODES.has(error.code ?? '') ? 504 : 502
  return error
}

const INVALID_HEADER_CHARS = /[^\t\x20-\x7e\x80-\xff]/g

/** The upstream's header values without characters Node refuses to send: a bad header must not cost the whole answer. */
function sanitised (headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const clean: IncomingHttpHeaders = {}
  for (const name in headers) {
    const value = headers[name]
    if (typeof value === 'string') clean[name] = value.replace(INVALID_HEADER_CHARS, '')
    else if (value !== undefined) clean[name] = value.map((each) => each.replace(INVALID_HEADER_CHARS, ''))
  }
  return clean
}

/** Headers Gatekeeper set on the reply before passing (the staged sticky cookie) join the upstream's. */
function withOwnHeaders (reply: FastifyReply, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const own = reply.getHeaders()
  for (const name in own) {
    const value = own[name]
    if (value === undefined) continue
    const mine = Array.isArray(value) ? value.map(String) : String(value)
    const theirs = headers[name]
    if (name === 'set-cookie' && theirs !== undefined) headers[name] = ([] as string[]).concat(theirs, mine)
    else headers[name] = mine
  }
  return headers
}

/**
 * One passed request: the upstream's answer is written straight to the
 * client's response as it arrives (status and headers, then each chunk,
 * with backpressure both ways), without a stream in between.
 */
class Passage implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null
  private started = false
  private done = false
  private readonly response: ServerResponse
  readonly onClientClose: () => void

  constructor (private readonly request: FastifyRequest, private readonly reply: FastifyReply, private readonly observer: UpstreamObserver | undefined) {
    this.response = reply.raw
    // a client gone before the answer ends releases the upstream connection at once
    this.onClientClose = () => {
      if (!this.done && this.controller !== null && !this.controller.aborted) this.controller.abort(new Error('the client closed its connection'))
    }
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.response.destroyed) this.onClientClose()
  }

  onResponseStart (controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return
    this.started = true
    this.observer?.response(statusCode, Date.now() - this.request.gkPassedAt)
    this.reply.hijack()
    let kept = withOwnHeaders(this.reply, clientHeaders(headers))
    // a connection cannot be reused while the client is still sending a body nobody reads
    if (!this.request.raw.complete) kept.connection = 'close'
    try {
      this.response.writeHead(statusCode, kept)
    } catch {
      kept = sanitised(kept)
      this.response.writeHead(statusCode, kept)
    }
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.response.write(chunk)) {
      controller.pause()
      this.response.once('drain', () => { controller.resume() })
    }
  }

  onResponseEnd (): void {
    this.done = true
    this.response.end()
  }

  onResponseError (_controller: Dispatcher.DispatchController, err: Error): void {
    this.done = true
    if (this.started) {
      // the status line is gone: all the client can be told is that the answer broke off
      this.response.destroy(err)
      return
    }
    if (this.response.destroyed) return
    const error = upstreamFailure(err)
    this.observer?.failure(error.statusCode === 504, Date.now() - this.request.gkPassedAt)
    this.reply.send(error)
  }
}

/**
 * Passes requests to the upstream through one keep-alive pool. The request
 * body is streamed (the proxy's content parser hands it over unread), and so
 * is the answer.
 */
export function createUpstreamPass (options: UpstreamPassOptions) {
  const { upstream, forwarded, observer } = options
  const pool = new Pool(upstream.origin, POOL_OPTIONS)
  const upstreamHost = upstream.host

  function pass (request: FastifyRequest, reply: FastifyReply): void {
    const raw = request.raw
    const passage = new Passage(request, reply, observer)
    reply.raw.on('close', passage.onClientClose)
    pool.dispatch({
      origin: upstream.origin,
      path: request.url,
      method: request.method as Dispatcher.HttpMethod,
      headers: upstreamHeaderList(request.headers, raw.socket.remoteAddress ?? '', upstreamHost, forwarded),
      body: request.body === undefined || request.body === null ? null : raw
    }, passage)
  }

  return {
    pass,
    // after the listener has drained: answers still streaming are let finish
    close: async () => { await pool.close() }
  }
}

export type UpstreamPass = ReturnType<typeof createUpstreamPass>
