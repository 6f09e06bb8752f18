import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Config } from '../config/config.js'
import { decide, isTester, type Decision } from '../gate/decide.js'
import { judgedClientOf } from '../health/judged-client.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { MaintenanceReply } from './maintenance-reply.js'
import type { PublicRequests } from './public-requests.js'
import { clientIpOf, factsOptionsOf, requestFacts } from './request-facts.js'
import { stickyCookieHeader } from './sticky-cookie.js'
import type { UpstreamPass } from './upstream-pass.js'
import { PUBLIC_REASONS } from './websockets.js'

export interface FrontDoorOptions {
  config: Config
  runtime: GateRuntime
  pass: UpstreamPass
  maintenance: MaintenanceReply
  /** counts the public's requests in flight, and cuts them when the gate no longer admits them */
  publicRequests: PublicRequests
  onDecision?: (decision: Decision) => void
}

export type RouteRequest = (request: IncomingMessage, response: ServerResponse) => void

/** The methods the proxy's routes take; any other is Fastify's to answer (404). */
const PROXIED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'])

const SLASH = 47
const DOT = 46
const PERCENT = 37
const BACKSLASH = 92

/**
 * A target the proxy's routes would pass as it is: a path with no dot
 * segment, no percent-encoding and no backslash that could be read as one,
 * and no leading '//'. Anything else goes through Fastify, which refuses a
 * target that would leave the upstream's path.
 */
function isPlainTarget (url: string): boolean {
  if (url.charCodeAt(0) !== SLASH || url.charCodeAt(1) === SLASH) return false
  const query = url.indexOf('?')
  const end = query === -1 ? url.length : query
  for (let i = 1; i < end; i++) {
    const code = url.charCodeAt(i)
    if (code === PERCENT || code === BACKSLASH || (code === DOT && url.charCodeAt(i - 1) === DOT)) return false
  }
  return true
}

/**
 * The front door of the public listener: a plain HTTP request is decided at
 * once, before Fastify builds a request and a reply and routes it (which
 * would cost more than the gate and the pass together), and either goes to
 * the upstream or gets the maintenance response. It decides with the same
 * decision, and counts, admits and marks public requests exactly as the
 * gate hook does. Everything else (Gatekeeper's own paths, WebSockets,
 * unusual targets and methods, a listener that is closing) is left to
 * Fastify and the gate hook, untouched.
 */
export function createFrontDoor (options: FrontDoorOptions) {
  const { config, runtime, pass, maintenance, publicRequests, onDecision } = options
  const factsOptions = factsOptionsOf(config, runtime.trustedProxies)
  const stickyName = config.staged.cookieName
  let accepting = true

  return {
    /** Whether the front door took the request; if not, Fastify must route it. */
    take (request: IncomingMessage, response: ServerResponse, route: RouteRequest): boolean {
      const url = request.url
      if (!accepting || url === undefined || !PROXIED_METHODS.has(request.method ?? '') || request.headers.upgrade !== undefined ||
        url.startsWith('/__gatekeeper') || !isPlainTarget(url)) return false
      const snapshot = runtime.current()
      const now = Date.now()
      const facts = requestFacts(request, clientIpOf(request, runtime.trustedProxies), factsOptions)
      const decision = decide(snapshot, facts, now)
      if (onDecision !== undefined) onDecision(decision)
      const cookie = decision.setSticky === true && decision.stickyId !== undefined ? stickyCookieHeader(stickyName, snapshot.seed, decision.stickyId) : undefined
      if (!decision.pass) {
        maintenance.write(request, response, snapshot, now, cookie)
        return true
      }
      const isPublic = PUBLIC_REASONS.has(decision.reason) && !isTester(snapshot, facts, now)
      if (isPublic) publicRequests.enter(response, facts)
      pass.front(request, response, now, cookie, isPublic ? publicRequests.leave : undefined, route, judgedClientOf(decision.reason, facts.clientIp))
      return true
    },
    /** From now on every request goes through Fastify, which answers 503 while it closes. */
    close (): void {
      accepting = false
    }
  }
}

export type FrontDoor = ReturnType<typeof createFrontDoor>

/** The timeouts Fastify sets on a server it creates itself, which it leaves to a server factory. */
export interface ServerTimeouts {
  keepAliveTimeout?: number
  requestTimeout?: number
  connectionTimeout?: number
  maxRequestsPerSocket?: number | null
}

/** The public listener's HTTP server (plain HTTP, as the forwarded headers say): the front door first, then Fastify's routing. */
export function frontDoorServer (route: RouteRequest, frontDoor: FrontDoor | null, timeouts: ServerTimeouts): Server {
  const server = frontDoor === null
    ? createServer(route)
    : createServer((request, response) => {
      if (!frontDoor.take(request, response, route)) route(request, response)
    })
  if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout
  if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout
  if (timeouts.connectionTimeout !== undefined) server.setTimeout(timeouts.connectionTimeout)
  if (typeof timeouts.maxRequestsPerSocket === 'number' && timeouts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = timeouts.maxRequestsPerSocket
  return server
}
