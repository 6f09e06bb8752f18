import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { SecureContext, Server as TlsServer } from 'node:tls'
import type { Duplex } from 'node:stream'
import type { PublicListener } from '../config/listeners.js'
import type { Door, RelayUpgrade, RouteRequest } from './door.js'
import { httpsRedirect } from './https-redirect.js'
import type { CertificateSet } from './tls/certificate-set.js'

/** The timeouts Fastify sets on a server it creates itself, which it leaves to a server factory. */
export interface ServerTimeouts {
  keepAliveTimeout?: number
  requestTimeout?: number
  connectionTimeout?: number
  maxRequestsPerSocket?: number | null
}

/** What a listener's server needs besides the door: its TLS certificates, or where a redirect sends the client. */
export interface ListenerSetup {
  listener: PublicListener
  /** the listener's certificates, for a TLS listener */
  certificates?: CertificateSet
  /** the port the first TLS listener listens on (known once it listens), for `redirectToHttps` */
  tlsPort?: () => number | undefined
}

function answer (response: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)), ...headers })
  response.end(body)
}

/**
 * Answers a `redirectToHttps` listener's request with its 308 (or a 400 for
 * a bad Host) and says so; false when the request goes through the door
 * like on any listener (the status path, ACME challenges, other listeners).
 */
function redirected (setup: ListenerSetup, request: IncomingMessage, response: ServerResponse): boolean {
  const tlsPort = setup.listener.redirectToHttps ? setup.tlsPort?.() : undefined
  if (tlsPort === undefined) return false
  const decision = httpsRedirect(request.headers.host, request.url ?? '/', tlsPort)
  if (decision.kind === 'serve') return false
  if (decision.kind === 'bad-request') answer(response, 400, {}, `Bad Request: ${decision.why}\n`)
  else answer(response, 308, { location: decision.location }, `Redirecting to ${decision.location}\n`)
  return true
}

/**
 * One public listener's HTTP server (plain, or TLS with the listener's
 * certificates chosen by SNI): every request goes through the door, after
 * the redirect of a `redirectToHttps` listener. A TLS server is Node's
 * https.Server, which is an HTTP server over TLS sockets (the same request,
 * upgrade, timeout and connection API), hence the one type.
 */
export function doorServer (door: Door, route: RouteRequest, timeouts: ServerTimeouts, setup: ListenerSetup): Server {
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    if (!redirected(setup, request, response)) door.request(request, response, route)
  }
  let server: Server
  if (setup.certificates !== undefined) {
    // the SNI choice reads the setup's certificates at each handshake, so a reload can swap them in place
    const sni = (servername: string, callback: (err: Error | null, context?: SecureContext) => void): void => { setup.certificates?.sni(servername, callback) }
    const tlsServer = createHttpsServer({ ...setup.certificates.serverOptions(), SNICallback: sni, handshakeTimeout: 10_000 }, handler)
    setup.certificates.attach(tlsServer as TlsServer)
    server = tlsServer as unknown as Server
  } else {
    server = createServer(handler)
  }
  if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout
  if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout
  if (timeouts.connectionTimeout !== undefined) server.setTimeout(timeouts.connectionTimeout)
  if (typeof timeouts.maxRequestsPerSocket === 'number' && timeouts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = timeouts.maxRequestsPerSocket
  return server
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

/**
 * Takes the WebSocket relay's own 'upgrade' listeners off the app's server:
 * the returned relay is called by each listener (routeUpgrades) only for
 * upgrades the door passes on.
 */
export function takeUpgradeRelay (appServer: Server): RelayUpgrade {
  const relays = appServer.listeners('upgrade') as UpgradeListener[]
  if (relays.length === 0) throw new Error('the WebSocket relay has no upgrade listener')
  appServer.removeAllListeners('upgrade')
  return (request, socket, head) => {
    for (const listener of relays) listener.call(appServer, request, socket, head)
  }
}

/**
 * Puts the door in front of the WebSocket relay on one listener. A
 * `redirectToHttps` listener answers an upgrade it does not serve with its
 * redirect, and closes the socket.
 */
export function routeUpgrades (server: Server, setup: ListenerSetup, door: Door, relay: RelayUpgrade): void {
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const tlsPort = setup.listener.redirectToHttps ? setup.tlsPort?.() : undefined
    if (tlsPort !== undefined) {
      const decision = httpsRedirect(request.headers.host, request.url ?? '/', tlsPort)
      if (decision.kind !== 'serve') {
        const head = decision.kind === 'redirect' ? `308 Permanent Redirect\r\nlocation: ${decision.location}` : '400 Bad Request'
        socket.end(`HTTP/1.1 ${head}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)
        return
      }
    }
    door.upgrade(request, socket, head, relay)
  })
}
