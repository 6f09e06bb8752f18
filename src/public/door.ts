import { ServerResponse, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import { errors } from '../errors.js'
import { errorBodyOf } from '../errors-reply.js'
import type { Decision } from '../gate/decide.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { judgedClientOf } from '../health/judged-client.js'
import type { AccessEntry, AccessLog } from './access-log.js'
import type { Admission, Admit } from './admit.js'
import type { MaintenanceReply } from './maintenance-reply.js'
import type { PublicRequests } from './public-requests.js'
import { isPlainTarget, targetProblem } from './target.js'
import type { UpstreamPass } from './upstream-pass.js'
import type { WebSocketTracker } from './websockets.js'

/** One site's gate and way to its application: without `sites:`, the only one. */
export interface SiteGate {
  readonly name: string
  /** the site's gate in this process: its state, snapshot and counts */
  readonly runtime: GateRuntime
  /** whether its name goes in the access log: with `sites:` only, so a log without them reads as before */
  readonly logged: boolean
  admit: Admit
  pass: UpstreamPass
  maintenance: MaintenanceReply
  /** counts the public's requests in flight, and cuts them when the gate no longer admits them */
  publicRequests: PublicRequests
  webSockets: WebSocketTracker
}

export interface DoorOptions {
  /** the request's site (decision step 0), or null: Gatekeeper's 404, and no upstream is reached */
  gateOf: (request: IncomingMessage) => SiteGate | null
  log: FastifyBaseLogger
  /** one line per public request, plain or upgrade */
  accessLog: AccessLog
  /** where the door puts the origin of the node each admitted upgrade goes to, for the relay */
  upgradeTargets: WeakMap<IncomingMessage, string>
  /** called with every decision, for metrics, and with its admission, for the timeline's counts */
  /** told of every decision, with the request's site */
  onDecision?: (decision: Decision, admission: Admission, site: string) => void
}

/** Fastify's handling of a request: Gatekeeper's own routes, its 404 and its 503 while closing. */
export type RouteRequest = (request: IncomingMessage, response: ServerResponse) => void
/** The WebSocket relay's handling of an upgrade the gate admitted. */
export type RelayUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

/** The methods the upstream is passed; any other is Fastify's to answer (404). */
const PROXIED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'])

const OWN_PREFIX = '/__gatekeeper/'

const BAD_TARGET = Buffer.from(JSON.stringify(errorBodyOf(new errors.GK_ERR_BAD_TARGET())))
const NO_SITE = Buffer.from(JSON.stringify(errorBodyOf(new errors.GK_ERR_NOT_FOUND('site for this host and path'))))

/** A request for no site: Gatekeeper's plain 404, not the maintenance page, not any upstream. */
function refuseNoSite (response: ServerResponse): void {
  response.writeHead(404, ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(NO_SITE.length)])
  response.end(NO_SITE)
}

function refuseTarget (response: ServerResponse, cookie: string | undefined): void {
  const headers = ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(BAD_TARGET.length)]
  response.writeHead(400, cookie === undefined ? headers : [...headers, 'set-cookie', cookie])
  response.end(BAD_TARGET)
}

/** A response written on an upgrade's socket, which is closed once it is sent. */
function socketResponse (request: IncomingMessage, socket: Duplex, entry: AccessEntry): ServerResponse {
  const response = new ServerResponse(request)
  response.once('finish', () => { entry.status = response.statusCode })
  response.shouldKeepAlive = false
  response.assignSocket(socket as Socket)
  response.on('finish', () => { socket.destroy() })
  return response
}

/**
 * The public listener's one way in. Every request, plain HTTP or a
 * WebSocket upgrade, at every log level, takes the same steps: a target
 * that is not a path is refused; Gatekeeper's own paths (and anything while
 * the listener closes) go to Fastify; everything else is admitted by the
 * one gate (admit.ts) and then answered with the maintenance response, or
 * passed to the upstream (plain HTTP) or the WebSocket relay (upgrades).
 * The log level changes what is logged, never which code runs.
 */
export function createDoor (options: DoorOptions) {
  const { gateOf, log, accessLog, upgradeTargets, onDecision } = options
  let accepting = true

  function decided (request: IncomingMessage, admission: Admission, entry: AccessEntry, site: string): void {
    entry.reason = admission.decision.reason
    entry.clientIp = admission.facts.clientIp
    if (onDecision !== undefined) onDecision(admission.decision, admission, site)
    // the decision's log line costs an object per request: built only when someone reads it (the level may change on a reload)
    if (log.level === 'debug' || log.level === 'trace') {
      log.debug({ clientIp: admission.facts.clientIp, method: request.method, pass: admission.decision.pass, reason: admission.decision.reason, audience: admission.audience, mode: admission.snapshot.mode }, 'gate decision')
    }
  }

  return {
    /** The public HTTP server's 'request' handler; `route` is Fastify's. */
    request (request: IncomingMessage, response: ServerResponse, route: RouteRequest): void {
      const entry = accessLog.begin(request, response)
      const url = request.url ?? '/'
      const plain = isPlainTarget(url)
      if (!plain && targetProblem(url) === 'absolute') {
        refuseTarget(response, undefined)
        return
      }
      const gate = gateOf(request)
      if (gate === null) {
        refuseNoSite(response)
        return
      }
      if (gate.logged) entry.site = gate.name
      if (!accepting || url.startsWith(OWN_PREFIX) || !PROXIED_METHODS.has(request.method ?? '')) {
        route(request, response)
        return
      }
      const { admit, pass, maintenance, publicRequests } = gate
      const admission = admit(request)
      decided(request, admission, entry, gate.name)
      const { decision, cookie, now } = admission
      if (!decision.pass) {
        maintenance.write(request, response, admission.snapshot, now, cookie)
        return
      }
      if (!plain && targetProblem(url) !== null) {
        refuseTarget(response, cookie)
        return
      }
      if (admission.audience === 'public') {
        publicRequests.enter(response, admission.facts)
        response.once('close', publicRequests.onClose)
      }
      entry.node = pass.forward(request, response, now, cookie, judgedClientOf(decision.reason, admission.facts.clientIp), admission.audience)
    },

    /** The public HTTP server's 'upgrade' handler; `relay` carries an admitted WebSocket (and answers what Fastify answers). */
    upgrade (request: IncomingMessage, socket: Duplex, head: Buffer, relay: RelayUpgrade): void {
      const entry = accessLog.beginUpgrade(request, socket)
      const url = request.url ?? '/'
      if (targetProblem(url) === 'absolute') {
        refuseTarget(socketResponse(request, socket, entry), undefined)
        return
      }
      const gate = gateOf(request)
      if (gate === null) {
        refuseNoSite(socketResponse(request, socket, entry))
        return
      }
      if (gate.logged) entry.site = gate.name
      if (!accepting || url.startsWith(OWN_PREFIX)) {
        relay(request, socket, head)
        return
      }
      const { admit, pass, maintenance, webSockets } = gate
      const admission = admit(request)
      decided(request, admission, entry, gate.name)
      if (!admission.decision.pass) {
        maintenance.write(request, socketResponse(request, socket, entry), admission.snapshot, admission.now, admission.cookie)
        return
      }
      if (targetProblem(url) !== null) {
        refuseTarget(socketResponse(request, socket, entry), admission.cookie)
        return
      }
      const target = pass.upgradeTarget(request, admission.audience)
      if (target === null) {
        pass.unavailable(request, socketResponse(request, socket, entry), admission.cookie)
        return
      }
      upgradeTargets.set(request, target.origin)
      entry.node = target.name
      entry.status = 101
      webSockets.admitted(socket as Socket, admission.facts, admission.audience === 'public')
      relay(request, socket, head)
    },

    /** From now on Fastify answers every request (503 while it closes). */
    close (): void {
      accepting = false
    }
  }
}

export type Door = ReturnType<typeof createDoor>
