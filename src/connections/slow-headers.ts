import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import { createSlotSet } from './slot-set.js'

/**
 * Cuts a client that takes longer than `headersTimeoutMs` to send a
 * request's headers, so a stalled connection gives its descriptor back
 * soon. Node checks `headersTimeout` only every `connectionsCheckingInterval`
 * (30 s by default), hence the shorter interval; and only from a request's
 * first byte, so a connection that has sent nothing is looked after here,
 * by the same clock. Between requests, a kept-alive connection is the
 * keep-alive timeout's, as before. Nothing is added per request. Set
 * before the server listens.
 */
export function cutSlowHeaders (server: Server, headersTimeoutMs: number): void {
  const checkEveryMs = Math.min(1000, Math.max(50, Math.floor(headersTimeoutMs / 10)))
  server.headersTimeout = headersTimeoutMs
  // a createServer option in @types/node; Node reads the property when the server starts listening
  const checked = server as Server & { connectionsCheckingInterval: number }
  checked.connectionsCheckingInterval = checkEveryMs

  // the connections that have not sent a byte yet, and when they came; one that closes leaves at once,
  // so a connection per request is not kept until the next sweep (slot-set.ts says why not a Map)
  const silent = createSlotSet<Socket, number>()
  function leave (this: Socket): void {
    silent.delete(this)
  }
  server.on('connection', (socket: Socket) => {
    if (socket.destroyed) return
    silent.add(socket, Date.now())
    socket.once('close', leave)
  })
  const sweep = (): void => {
    const deadline = Date.now() - headersTimeoutMs
    silent.forEach((socket, since) => {
      if (socket.destroyed || socket.bytesRead > 0) silent.delete(socket)
      else if (since <= deadline) {
        silent.delete(socket)
        socket.destroy()
      }
    })
  }
  let timer: NodeJS.Timeout | null = null
  server.on('listening', () => {
    timer ??= setInterval(sweep, checkEveryMs).unref()
  })
  server.on('close', () => {
    if (timer !== null) clearInterval(timer)
    timer = null
  })
}
