import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { Dispatcher } from 'undici'
import { isTls } from './tls/is-tls.js'
import type { NodeLease, Nodes } from '../nodes/nodes.js'
import { clientHeaderList, upstreamHeaderList, type ForwardedOptions } from './forwarded-headers.js'
import { unavailableAnswer, upstreamErrorAnswer } from './upstream-error.js'
import type { UpstreamObserver } from './upstream-observer.js'

export interface UpstreamPassOptions {
  /** the application nodes, each with its own keep-alive pool (src/nodes/) */
  nodes: Nodes
  forwarded: ForwardedOptions
  observer?: UpstreamObserver
  log: FastifyBaseLogger
}

/** Whom the gate admitted a request for: the node states route testers apart from the public. */
export type PassAudience = 'public' | 'tester'

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT'])

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS'])
const CLOSED_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_CLOSED'])

/**
 * Whether another node may be asked after this failure, before any answer
 * came: a refused connection (nothing reached the node), or, for a method
 * that changes nothing, a connection the node closed or reset.
 */
function mayRetry (err: Error, method: string | undefined): boolean {
  const code = (err as { code?: string }).code ?? ''
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? ''
  if (code === 'ECONNREFUSED' || cause === 'ECONNREFUSED') return true
  return IDEMPOTENT.has(method ?? '') && (CLOSED_CODES.has(code) || CLOSED_CODES.has(cause))
}

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
    private readonly judgedClient: string | null, private readonly log: FastifyBaseLogger,
    public lease: NodeLease, private readonly retry: ((passage: Passage) => boolean) | null) {
    this.onClose = () => {
      this.lease.release()
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
    this.lease.answered(statusCode, headers)
    this.observer?.response(statusCode, Date.now() - this.passedAt, this.judgedClient, this.lease.name)
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
    this.lease.release()
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
    this.controller = null
    if (!this.started) this.lease.failed()
    this.lease.release()
    // refused by a node (or closed under a GET): another node may take it, once
    if (!this.started && !this.response.destroyed && mayRetry(err, this.request.method) && this.retry !== null && this.retry(this)) return
    this.done = true
    if (this.started) {
      // the status line is gone: all the client can be told is that the answer broke off
      this.response.destroy(err)
      return
    }
    if (this.response.destroyed) return
    const timedOut = isTimeout(err)
    this.observer?.failure(timedOut, Date.now() - this.passedAt, this.judgedClient, this.lease.name)
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

/** No node may take the request: the "application unavailable" answer, with the gate's cookie if one is due. */
function unavailable (request: IncomingMessage, response: ServerResponse, ownCookie: string | undefined): void {
  const { status, headers, body } = unavailableAnswer(request.headers.accept)
  response.writeHead(status, ownCookie === undefined ? headers : [...headers, 'set-cookie', ownCookie])
  response.end(request.method === 'HEAD' ? undefined : body)
}

/**
 * Passes requests to the application's nodes, each through its own
 * keep-alive pool; the node is chosen per request (src/nodes/). The request
 * body is streamed, and so is the answer.
 */
export function createUpstreamPass (options: UpstreamPassOptions) {
  const { nodes, forwarded, observer, log } = options
  // what the client's connection spoke: https when it came over one of our TLS listeners
  const overTls: ForwardedOptions = { ...forwarded, proto: 'https' }

  function dispatch (passage: Passage, body: IncomingMessage | null): void {
    const request = passage.request
    const lease = passage.lease
    lease.pool.dispatch({
      origin: lease.origin,
      path: request.url ?? '/',
      method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: upstreamHeaderList(request.headers, request.socket.remoteAddress ?? '', lease.host, isTls(request.socket) ? overTls : forwarded),
      body
    }, passage)
  }

  /** A bodiless request a node refused goes to another usable node, once. */
  function retryElsewhere (audience: PassAudience) {
    let tried = false
    return (passage: Passage): boolean => {
      if (tried) return false
      tried = true
      const next = nodes.pick(audience, passage.request.headers.cookie, passage.lease.name)
      if (next === null) return false
      passage.lease = next
      dispatch(passage, null)
      return true
    }
  }

  return {
    /**
     * Passes an admitted request: `passedAt` is when the gate passed it (the
     * upstream's latency counts from there), `ownCookie` a Set-Cookie line of
     * the gate's to add to the answer, `judgedClient` who the health gate
     * counts the answer for (null: nobody). Returns the name of the node
     * chosen, or null when no node may take it (and it was answered so).
     */
    forward (request: IncomingMessage, response: ServerResponse, passedAt: number, ownCookie: string | undefined, judgedClient: string | null, audience: PassAudience = 'public'): string | null {
      const lease = nodes.pick(audience, request.headers.cookie)
      if (lease === null) {
        unavailable(request, response, ownCookie)
        return null
      }
      const body = rawBodyOf(request)
      const passage = new Passage(request, response, passedAt, ownCookie, observer, judgedClient, log, lease, body === null ? retryElsewhere(audience) : null)
      response.on('close', passage.onClose)
      dispatch(passage, body)
      return lease.name
    },
    /** The node an admitted WebSocket upgrade goes to (its session's, or the least loaded), or null when none may take it. */
    upgradeTarget (request: IncomingMessage, audience: PassAudience): { name: string, origin: string } | null {
      const lease = nodes.pick(audience, request.headers.cookie)
      if (lease === null) return null
      lease.release()
      return { name: lease.name, origin: lease.origin }
    },
    unavailable,
    // after the listener has drained: answers still streaming are let finish
    close: async () => { await nodes.close() }
  }
}

export type UpstreamPass = ReturnType<typeof createUpstreamPass>
