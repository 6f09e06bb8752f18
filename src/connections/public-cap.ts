import type { Server } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionBudget } from './fd-budget.js'

export interface PublicCapLogger {
  warn (details: Record<string, unknown>, message: string): void
}

/** How often, at most, the log says public connections are being refused. */
const WARN_EVERY_MS = 60_000

/**
 * Holds the public listener to its connection budget. A new connection
 * over `publicMax` is closed at once, before a byte is read, unless it
 * comes from an allowlisted address: a tester or an operator still gets
 * in while the public fills the listener, up to `listenerMax`, where every
 * new connection is closed alike. The address is the socket's: behind a
 * trusted proxy, the proxy's connections count as the public's.
 * Not `server.maxConnections`: in a cluster worker, a connection it turns
 * away goes back to the primary, which hands it to the next worker, and
 * holds it (and its descriptor) meanwhile.
 */
export function capPublicConnections (servers: Server | readonly Server[], budget: ConnectionBudget, isAllowlisted: (ip: string) => boolean, logger: PublicCapLogger): (server: Server) => void {
  let open = 0
  let refused = 0
  let warnedAt = -Infinity
  const closed = (): void => { open-- }
  const onConnection = (socket: Socket): void => {
    if (open >= budget.listenerMax || (open >= budget.publicMax && !isAllowlisted(socket.remoteAddress ?? ''))) {
      socket.destroy()
      refused++
      const now = Date.now()
      if (now - warnedAt >= WARN_EVERY_MS) {
        warnedAt = now
        logger.warn({ open, refused, ...budget }, 'public connections at the cap: new ones from addresses not allowlisted are closed')
        refused = 0
      }
      return
    }
    open++
    socket.once('close', closed)
  }
  // one budget for every public listener
  const cap = (server: Server): void => { server.on('connection', onConnection) }
  for (const server of Array.isArray(servers) ? servers : [servers]) cap(server)
  // a listener bound later (a reload) shares the budget
  return cap
}
