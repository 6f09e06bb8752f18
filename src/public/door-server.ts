import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Door, RelayUpgrade, RouteRequest } from './door.js'

/** The timeouts Fastify sets on a server it creates itself, which it leaves to a server factory. */
export interface ServerTimeouts {
  keepAliveTimeout?: number
  requestTimeout?: number
  connectionTimeout?: number
  maxRequestsPerSocket?: number | null
}

/** The public listener's HTTP server (plain HTTP, as the forwarded headers say): every request goes through the door. */
export function doorServer (door: Door, route: RouteRequest, timeouts: ServerTimeouts): Server {
  const server = createServer((request, response) => { door.request(request, response, route) })
  if (timeouts.keepAliveTimeout !== undefined) server.keepAliveTimeout = timeouts.keepAliveTimeout
  if (timeouts.requestTimeout !== undefined) server.requestTimeout = timeouts.requestTimeout
  if (timeouts.connectionTimeout !== undefined) server.setTimeout(timeouts.connectionTimeout)
  if (typeof timeouts.maxRequestsPerSocket === 'number' && timeouts.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = timeouts.maxRequestsPerSocket
  return server
}

type UpgradeListener = (request: IncomingMessage, socket: Duplex, head: Buffer) => void

/**
 * Puts the door in front of the WebSocket relay: the relay's own 'upgrade'
 * listeners are taken off the server and called only for upgrades the door
 * passes on.
 */
export function doorBeforeUpgrades (server: Server, door: Door): void {
  const relays = server.listeners('upgrade') as UpgradeListener[]
  if (relays.length === 0) throw new Error('the WebSocket relay has no upgrade listener')
  server.removeAllListeners('upgrade')
  const relay: RelayUpgrade = (request, socket, head) => {
    for (const listener of relays) listener.call(server, request, socket, head)
  }
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => { door.upgrade(request, socket, head, relay) })
}
