import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import { Pool, type Dispatcher } from 'undici'
import { isTls } from './tls/is-tls.js'
import { clientHeaderList, upstreamHeaderList, type ForwardedOptions } from './forwarded-headers.js'
import { upstreamErrorAnswer } from './upstream-error.js'
import type { UpstreamObserver } from './upstream-observer.js'

export interface UpstreamPassOptions {
  upstream: URL
  forwarded: ForwardedOptions
  observer?: UpstreamObserver
  log: FastifyBaseLogger
}

/**
 * The pool's terms. One request per connection at a time (no pipelining): a
 * slow page must never hold up another client's request queued behind it on
 * the same socket. Idle connections are kept for reuse, so a steady load
 * costs no connection set-up.
 */
const POOL_OPTIONS: Pool.Options = {
  pipelining: 1,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 120_000
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

/** Whether the upstream failed by taking too long (a 504) rather than otherwise (a 502). */
function isTimeout (err: Error): boolean {
  return TIMEOUT_CODES.has((err as { code?: string }).code ?? '')
}

const INVALID_HEADER_CHARS = /[^\t\x20-\x7e\x80-\xff]/g

/** The header values without characters Node refuses to send: a bad header must not cost the whole answer. */
function sanitised (list: string[]): string[] {
  return list.map((text, i) => (i % 2 === 1 ? text.replace(INVALID_HEADER_CHARS, '') : text))
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
  /** the upstream's Content-Length, when it sent one */
  private length = -1
  /** a whole body that came in one chunk, written with the end of the answer */
  private whole: Buffer | null = null
  /** when the response closes, for whatever reason */
  readonly onClose: () => void

  constructor (readonly request: IncomingMessage, readonly response: ServerResponse, private readonly passedAt: number,
    private readonly ownCookie: string | undefined, private readonly observer: UpstreamObserver | undefined,
    private readonly judgedClient: string | null, private readonly log: FastifyBaseLogger) {
    this.onClose = () => {
      // a client gone before the answer ends releases the upstream connection at once
      if (!this.done && this.controller !== null && !this.controller.aborted) this.controller.abort(new Error('the client closed its connection'))
    }
  }

  onRequestStart (controller: Dispatcher.DispatchController): void {
    this.controller = controller
    if (this.response.destroyed && !this.done) controller.abort(new Error('the client closed its connection'))
  }

  onResponseStart (_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return
    this.started = true
    this.observer?.response(statusCode, Date.now() - this.passedAt, this.judgedClient)
    const length = headers['content-length']
    if (typeof length === 'string') this.length = Number(length)
    const kept = clientHeaderList(headers, this.ownCookie)
    // a connection cannot be reused while the client is still sending a body nobody reads
    if (!this.request.complete) kept.push('connection', 'close')
    try {
      this.response.writeHead(statusCode, kept)
    } catch {
      this.response.writeHead(statusCode, sanitised(kept))
    }
  }

  onResponseData (controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // the whole body at once: its end is parsed from the same bytes, so it is sent with the end, in one write
    if (chunk.length === this.length && this.whole === null) {
      this.whole = chunk
      return
    }
    if (!this.response.write(chunk)) {
      controller.pause()
      this.response.once('drain', () => { controller.resume() })
    }
  }

  onResponseEnd (): void {
    this.done = true
    // the controller holds the upstream request and all it refers to: let it go with the answer, not with this passage
    this.controller = null
    if (this.whole === null) {
      this.response.end()
    } else {
      this.response.end(this.whole)
      this.whole = null
    }
  }

  onResponseError (_controller: Dispatcher.DispatchController, err: Error): void {
    this.done = true
    this.controller = null
    if (this.started) {
      // the status line is gone: all the client can be told is that the answer broke off
      this.response.destroy(err)
      return
    }
    if (this.response.destroyed) return
    const timedOut = isTimeout(err)
    this.observer?.failure(timedOut, Date.now() - this.passedAt, this.judgedClient)
    this.log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, 'upstream failed')
    // the upstream never answered: the client gets the 502 or 504 page, written here and now
    const { status, headers, body } = upstreamErrorAnswer(timedOut, this.request.headers.accept)
    this.response.writeHead(status, this.ownCookie === undefined ? headers : [...headers, 'set-cookie', this.ownCookie])
    this.response.end(this.request.method === 'HEAD' ? undefined : body)
  }
}

/** The request's body, streamed to the upstream, when it has one; GET and HEAD never have one. */
function rawBodyOf (request: IncomingMessage): IncomingMessage | null {
  if (request.method === 'GET' || request.method === 'HEAD') return null
  const length = request.headers['content-length']
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0') ? request : null
}

/**
 * Passes requests to the upstream through one keep-alive pool. The request
 * body is streamed, and so is the answer.
 */
export function createUpstreamPass (options: UpstreamPassOptions) {
  const { upstream, forwarded, observer, log } = options
  const pool = new Pool(upstream.origin, POOL_OPTIONS)
  const origin = upstream.origin
  const upstreamHost = upstream.host
  // what the client's connection spoke: https when it came over one of our TLS listeners
  const overTls: ForwardedOptions = { ...forwarded, proto: 'https' }

  function dispatch (passage: Passage, body: IncomingMessage | null): void {
    const request = passage.request
    passage.response.on('close', passage.onClose)
    pool.dispatch({
      origin,
      path: request.url ?? '/',
      method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: upstreamHeaderList(request.headers, request.socket.remoteAddress ?? '', upstreamHost, isTls(request.socket) ? overTls : forwarded),
      body
    }, passage)
  }

  return {
    /**
     * Passes an admitted request: `passedAt` is when the gate passed it (the
     * upstream's latency counts from there), `ownCookie` a Set-Cookie line of
     * the gate's to add to the answer, `judgedClient` who the health gate
     * counts the answer for (null: nobody).
     */
    forward (request: IncomingMessage, response: ServerResponse, passedAt: number, ownCookie: string | undefined, judgedClient: string | null): void {
      dispatch(new Passage(request, response, passedAt, ownCookie, observer, judgedClient, log), rawBodyOf(request))
    },
    // after the listener has drained: answers still streaming are let finish
    close: async () => { await pool.close() }
  }
}

export type UpstreamPass = ReturnType<typeof createUpstreamPass>
