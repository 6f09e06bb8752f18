import type { Socket } from 'node:net'
import type { FastifyBaseLogger } from 'fastify'
import { accessExpiries, firstAfter } from '../gate/access-expiries.js'
import type { Decision, RequestFacts } from '../gate/decide.js'
import { judge } from './admit.js'
import type { GateSnapshot } from '../gate/snapshot.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'

/** setTimeout's longest delay; a later moment is reached in steps */
const LONGEST_TIMER_MS = 2_147_483_647

interface Closable { close (code?: number, reason?: string): void }

interface Tracked {
  facts: RequestFacts
  isPublic: boolean
  peer?: Closable
  /** set when the gate first stops admitting it: it is closed then, unless the gate admits it again first */
  closeAt?: number
  closing?: boolean
}

/**
 * Remembers the facts of every proxied WebSocket and asks the gate again
 * whenever its answer can change: on every applied state, and at every
 * moment an allowlist entry or bypass token expires (which changes no
 * state). A socket the gate no longer admits (the gate closed, read-only,
 * its tester's access expired or was revoked) is closed a grace period
 * later; sockets still admitted stay up.
 */
export function createWebSocketTracker (runtime: GateRuntime, closeGraceMsOf: () => number, log: FastifyBaseLogger) {
  const live = new Map<Socket, Tracked>()
  let timer: NodeJS.Timeout | undefined
  let timerAt = Infinity
  let expiries: { snapshot: GateSnapshot, times: readonly number[] } | undefined
  let stopped = false

  /** When the gate may next answer differently for a socket already admitted under this state. */
  function nextExpiry (snapshot: GateSnapshot, now: number): number {
    // open admits everyone whatever expires; the next state is reviewed when it is applied
    if (snapshot.mode === 'open') return Infinity
    if (expiries?.snapshot !== snapshot) expiries = { snapshot, times: accessExpiries(snapshot) }
    return firstAfter(expiries.times, now)
  }

  function wakeAt (at: number, now: number): void {
    if (stopped || at === Infinity || at >= timerAt) return
    if (timer !== undefined) clearTimeout(timer)
    timerAt = at
    // a timer that fires a little early finds nothing due and sets itself again
    timer = setTimeout(review, Math.min(Math.max(at - now, 0), LONGEST_TIMER_MS))
    timer.unref()
  }

  function close (socket: Socket, tracked: Tracked, reason: Decision['reason']): void {
    tracked.closing = true
    log.info({ clientIp: tracked.facts.clientIp, url: tracked.facts.url, reason }, 'closing a websocket the gate no longer admits')
    if (tracked.peer !== undefined) tracked.peer.close(1001, 'maintenance')
    else socket.destroy()
  }

  /** Asks the gate about every live socket; closes those held for the whole grace period; sets the next wake-up. */
  function review (): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    timerAt = Infinity
    if (live.size === 0) return
    const snapshot = runtime.current()
    const now = Date.now()
    let next = nextExpiry(snapshot, now)
    for (const [socket, tracked] of live) {
      if (tracked.closing === true) continue
      const decision = judge(snapshot, tracked.facts, now)
      if (decision.pass) {
        tracked.closeAt = undefined
        continue
      }
      tracked.closeAt ??= now + closeGraceMsOf()
      if (tracked.closeAt <= now) close(socket, tracked, decision.reason)
      else next = Math.min(next, tracked.closeAt)
    }
    wakeAt(next, now)
  }

  runtime.onApplied(review)

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
      const now = Date.now()
      wakeAt(nextExpiry(runtime.current(), now), now)
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
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      timerAt = Infinity
    }
  }
}

export type WebSocketTracker = ReturnType<typeof createWebSocketTracker>
