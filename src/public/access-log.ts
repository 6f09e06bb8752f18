import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { Decision } from '../gate/decide.js'

/** What one public request did, filled in as the door takes its steps. */
export interface AccessEntry {
  readonly startedAt: number
  readonly bytesBefore: number
  reason: Decision['reason'] | null
  /** the node the request was passed to (or the WebSocket relayed to); null when it was not passed */
  node: string | null
  clientIp: string
  /** the status an upgrade was answered with (101 once relayed); a plain request's is its response's */
  status: number
  /** the request's site, with `sites:` (a request for no site has none); null without them */
  site: string | null
}

export interface AccessLogOptions {
  log: FastifyBaseLogger
  /** read per request: a reload turns the log on or off */
  enabled: () => boolean
}

/**
 * The access log: one info line per public request, written when its
 * response closes (finished or cut). Every request takes the same steps
 * whether the log is on or off, and at every log level; only whether the
 * line is written differs. `bytes` is what the connection carried for this
 * response, headers included.
 */
export function createAccessLog (options: AccessLogOptions) {
  const { log, enabled } = options

  function write (request: IncomingMessage, status: number, bytesAfter: number, entry: AccessEntry): void {
    if (!enabled()) return
    log.info({
      method: request.method,
      target: request.url,
      status,
      bytes: Math.max(0, bytesAfter - entry.bytesBefore),
      durationMs: Math.round((performance.now() - entry.startedAt) * 1000) / 1000,
      client: entry.clientIp,
      reason: entry.reason,
      node: entry.node,
      ...(entry.site === null ? {} : { site: entry.site })
    }, 'access')
  }

  function entryOf (request: IncomingMessage): AccessEntry {
    const socket = request.socket as Socket | null
    return { startedAt: performance.now(), bytesBefore: socket?.bytesWritten ?? 0, reason: null, node: null, clientIp: socket?.remoteAddress ?? '', status: 0, site: null }
  }

  return {
    /** Starts the entry of a request; its line is written when `response` closes. */
    begin (request: IncomingMessage, response: ServerResponse): AccessEntry {
      const entry = entryOf(request)
      // held now: by the time the response closes, the request may have let go of its socket
      const socket = request.socket as Socket | null
      response.once('close', () => { write(request, response.statusCode, socket?.bytesWritten ?? entry.bytesBefore, entry) })
      return entry
    },
    /** The same for an upgrade: its line is written when its socket closes (a relayed WebSocket: when it ends). */
    beginUpgrade (request: IncomingMessage, socket: Duplex): AccessEntry {
      const entry = entryOf(request)
      const connection = request.socket as Socket | null
      socket.once('close', () => { write(request, entry.status, connection?.bytesWritten ?? entry.bytesBefore, entry) })
      return entry
    }
  }
}

export type AccessLog = ReturnType<typeof createAccessLog>
