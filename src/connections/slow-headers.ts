import type { IncomingMessage, Server } from 'node:http'
import type { Socket } from 'node:net'

/**
 * Cuts a client that takes longer than `headersTimeoutMs` to send a
 * request's headers, so a stalled connection gives its descriptor back
 * soon. Node checks `headersTimeout` only every `connectionsCheckingInterval`
 * (30 s by default), hence the shorter interval; and only once the first
 * byte has come, hence the idle timer on a new connection, which its first
 * request clears. Between requests, a kept-alive connection is the
 * keep-alive timeout's, as before. Set before the server listens.
 */
export function cutSlowHeaders (server: Server, headersTimeoutMs: number): void {
  server.headersTimeout = headersTimeoutMs
  // a createServer option in @types/node; Node reads the property when the server starts listening
  const checked = server as Server & { connectionsCheckingInterval: number }
  checked.connectionsCheckingInterval = Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 10)))
  // Node closes an idle socket whose 'timeout' nobody else handles
  server.on('connection', (socket: Socket) => { if (!socket.destroyed) socket.setTimeout(headersTimeoutMs) })
  server.on('request', (request: IncomingMessage) => {
    const socket = request.socket
    if (socket.timeout === headersTimeoutMs) socket.setTimeout(server.timeout)
  })
}
