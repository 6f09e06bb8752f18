import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import httpProxy from '@fastify/http-proxy'
import type { Config } from '../config/config.js'
import { errors } from '../errors.js'
import { errorBodyOf } from '../errors-reply.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { forwardedOptionsOf, upstreamHeaders, webSocketHeaders } from './forwarded-headers.js'
import { isTls } from './tls/is-tls.js'
import type { WebSocketTracker } from './websockets.js'

export interface WebSocketRelayOptions {
  config: Config
  runtime: GateRuntime
  webSockets: Pick<WebSocketTracker, 'connected'>
  /** the origin of the node the door chose for each admitted upgrade */
  upgradeTargets: WeakMap<IncomingMessage, string>
}

/**
 * The WebSocket relay: @fastify/http-proxy carries the upgrades the door
 * admitted (doorBeforeUpgrades puts the door in front of its 'upgrade'
 * listener). Plain HTTP never reaches it: the door passes it through the
 * undici pool (upstream-pass.ts).
 */
export async function webSocketRelay (app: FastifyInstance, options: WebSocketRelayOptions): Promise<void> {
  const { config, runtime, webSockets } = options
  const forwarded = forwardedOptionsOf(config, runtime.trustedProxies)
  const overTls = { ...forwarded, proto: 'https' }

  // the proxy's types omit rewriteRequestHeaders, so the options are passed by reference rather than as a literal;
  // compression on the loopback leg to the upstream would only cost CPU.
  // ws holds every message whole before it is relayed: the limits bound what one socket costs (ws closes with 1009 above them)
  const wsClientOptions = {
    perMessageDeflate: false,
    maxPayload: config.websocket.upstreamMaxMessageBytes,
    rewriteRequestHeaders: (_headers: unknown, request: FastifyRequest) => upstreamHeaders(webSocketHeaders(request), request.raw.socket.remoteAddress ?? '', request.headers.host, isTls(request.raw.socket) ? overTls : forwarded)
  }
  await app.register(httpProxy, {
    // the door chose the node for each upgrade (its session's, or the least loaded usable one)
    upstream: '',
    replyOptions: { getUpstream: (request: { raw: unknown }) => options.upgradeTargets.get(request.raw as IncomingMessage) ?? config.upstream.origin },
    prefix: '/',
    // one line per decision is Gatekeeper's own (at debug); reply-from's two per request would be noise at info
    disableRequestLogging: true,
    // an upgrade is a GET; plain HTTP is the door's
    httpMethods: ['GET'],
    websocket: true,
    wsHooks: {
      onConnect: (_context: unknown, source: unknown) => { webSockets.connected(source) }
    },
    wsClientOptions,
    wsServerOptions: { maxPayload: config.websocket.maxMessageBytes },
    // never reached: the door passes every plain request itself, and only upgrades come here
    handler: (_request, reply) => {
      reply.code(404).send(errorBodyOf(new errors.GK_ERR_NOT_FOUND('WebSocket upgrade in this request')))
    }
  })
}
