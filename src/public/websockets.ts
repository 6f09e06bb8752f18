import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { decide, type Decision, type RequestFacts } from '../gate/decide.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'

/** Reasons that admit the public; a tester's request passes for these too while open, so isTester() tells them apart. */
export const PUBLIC_REASONS = new Set<Decision['reason']>(['open', 'staged-admitted', 'read-only-safe'])

interface Closable { close (code?: number, reason?: string): void }

interface Tracked {
  facts: RequestFacts
  isPublic: boolean
  peer?: Closable
}

/**
 * Remembers the facts of every proxied WebSocket so that, when the gate
 * closes, the ones it would no longer admit are closed after a grace period;
 * testers' sockets stay up.
 */
export function createWebSocketTracker (runtime: GateRuntime, closeGraceMs: number, log: FastifyBaseLogger) {
  const live = new Map<Socket, Tracked>()
  let timer: NodeJS.Timeout | undefined

  function sweep (): void {
    timer = undefined
    const snapshot = runtime.current()
    const now = Date.now()
    for (const [socket, tracked] of live) {
      if (decide(snapshot, tracked.facts, now).pass) continue
      log.info({ clientIp: tracked.facts.clientIp, url: tracked.facts.url }, 'closing a websocket the gate no longer admits')
      if (tracked.peer !== undefined) tracked.peer.close(1001, 'maintenance')
      else socket.destroy()
    }
  }

  runtime.onApplied((snapshot) => {
    if (snapshot.mode === 'open' || live.size === 0) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(sweep, closeGraceMs)
    timer.unref()
  })

  return {
    /** A WebSocket upgrade the gate let through. */
    admitted (socket: Socket, facts: RequestFacts, isPublic: boolean): void {
      live.set(socket, { facts, isPublic })
      if (isPublic) runtime.webSockets++
      socket.once('close', () => {
        const tracked = live.get(socket)
        if (tracked === undefined) return
        live.delete(socket)
        if (tracked.isPublic) runtime.webSockets--
      })
    },
    /** The proxy's connect hook: links the client-side WebSocket for a clean close frame. */
    connected (source: unknown): void {
      // ws keeps its TCP socket in `_socket`; it is the key the upgrade was tracked by
      const socket = (source as { _socket?: Socket })._socket
      if (socket === undefined) return
      const tracked = live.get(socket)
      if (tracked !== undefined) tracked.peer = source as Closable
    },
    close (): void {
      if (timer !== undefined) clearTimeout(timer)
    }
  }
}

export type WebSocketTracker = ReturnType<typeof createWebSocketTracker>
