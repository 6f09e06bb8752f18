import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import httpProxy from '@fastify/http-proxy'
import type { Config } from '../config/config.js'
import { decide, isTester, type Decision } from '../gate/decide.js'
import { judgedClientOf } from '../health/judged-client.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { forwardedOptionsOf, upstreamHeaders, webSocketHeaders } from './forwarded-headers.js'
import type { MaintenanceReply } from './maintenance-reply.js'
import type { PublicRequests } from './public-requests.js'
import { clientIpOf, factsOptionsOf, requestFacts } from './request-facts.js'
import { stickyCookieHeader } from './sticky-cookie.js'
import { PUBLIC_REASONS, type WebSocketTracker } from './websockets.js'
import { sendUpstreamError } from './upstream-error.js'
import { failureOf, type UpstreamPass } from './upstream-pass.js'

export interface GatedProxyOptions {
  config: Config
  runtime: GateRuntime
  maintenance: MaintenanceReply
  webSockets: WebSocketTracker
  /** carries passed requests to the upstream */
  pass: UpstreamPass
  /** counts the public's requests in flight, and cuts them when the gate no longer admits them */
  publicRequests: PublicRequests
  /** called with every decision, for metrics */
  onDecision?: (decision: Decision) => void
}

/**
 * The proxy and the gate in front of it, in one encapsulated context: the
 * gate hook wraps these routes and nothing else (not Gatekeeper's own paths,
 * not the admin API).
 */
export async function gatedProxy (app: FastifyInstance, options: GatedProxyOptions): Promise<void> {
  const { config, runtime, maintenance, webSockets, onDecision, pass, publicRequests } = options
  const factsOptions = factsOptionsOf(config, runtime.trustedProxies)
  const forwarded = forwardedOptionsOf(config, runtime.trustedProxies)
  const stickyName = config.staged.cookieName
  // building the log line costs an object per request: only when someone reads it
  const logDecisions = app.log.level === 'debug' || app.log.level === 'trace'

  app.decorateRequest('gkClientIp', '')
  app.decorateRequest('gkPassedAt', 0)
  app.decorateRequest('gkJudgedClient', null)

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    // the front door has passed it already; it comes here only for its 502 or 504 page
    if (failureOf(request.raw) !== undefined) {
      done()
      return
    }
    const snapshot = runtime.current()
    const ip = clientIpOf(request, runtime.trustedProxies)
    request.gkClientIp = ip
    const now = Date.now()
    const facts = requestFacts(request, ip, factsOptions)
    const decision = decide(snapshot, facts, now)
    if (onDecision !== undefined) onDecision(decision)
    if (logDecisions) request.log.debug({ clientIp: ip, pass: decision.pass, reason: decision.reason, mode: snapshot.mode }, 'gate decision')
    if (decision.setSticky === true && decision.stickyId !== undefined) {
      reply.header('set-cookie', stickyCookieHeader(stickyName, snapshot.seed, decision.stickyId))
    }
    if (!decision.pass) {
      maintenance.send(request, reply, snapshot, now)
      return
    }
    const isPublic = PUBLIC_REASONS.has(decision.reason) && !isTester(snapshot, facts, now)
    if (request.headers.upgrade !== undefined) {
      webSockets.admitted(request.raw.socket, facts, isPublic)
    } else if (isPublic) {
      publicRequests.enter(reply.raw, facts)
      reply.raw.once('close', publicRequests.onClose)
    }
    request.gkPassedAt = now
    request.gkJudgedClient = judgedClientOf(decision.reason, ip)
    done()
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    sendUpstreamError(error, request, reply)
  })

  // the proxy streams JSON and any other body; Fastify's own text parser would read text into a string first
  app.addContentTypeParser('text/plain', (_request, payload, done) => { done(null, payload) })

  // the proxy's types omit rewriteRequestHeaders, so the options are passed by reference rather than as a literal;
  // compression on the loopback leg to the upstream would only cost CPU.
  // ws holds every message whole before it is relayed: the limits bound what one socket costs (ws closes with 1009 above them)
  const wsClientOptions = {
    perMessageDeflate: false,
    maxPayload: config.websocket.upstreamMaxMessageBytes,
    rewriteRequestHeaders: (_headers: unknown, request: FastifyRequest) => upstreamHeaders(webSocketHeaders(request), request.raw.socket.remoteAddress ?? '', request.headers.host, forwarded)
  }
  await app.register(httpProxy, {
    upstream: config.upstream.origin,
    prefix: '/',
    // one line per decision is Gatekeeper's own (at debug); reply-from's two per request would be noise at info
    disableRequestLogging: true,
    websocket: true,
    wsHooks: {
      onConnect: (_context: unknown, source: unknown) => { webSockets.connected(source) }
    },
    wsClientOptions,
    wsServerOptions: { maxPayload: config.websocket.maxMessageBytes },
    // plain HTTP requests take the lean path to the upstream; the proxy plugin routes them
    // (refusing targets that escape the upstream) and carries the WebSockets
    handler: (request, reply) => {
      const failure = failureOf(request.raw)
      if (failure !== undefined) reply.send(failure)
      else pass.routed(request, reply)
    }
  })
}
