import type { FastifyReply, FastifyRequest } from 'fastify'
import type { GateSnapshot } from '../gate/snapshot.js'
import type { PageVars } from '../page/template.js'
import {
  etaTextOf, maintenanceFacts, maintenanceJson, prefersJson, refreshSecondsOf, type MaintenanceFacts
} from '../runtime/maintenance.js'

export const STATUS_PATH = '/__gatekeeper/status'

export interface MaintenanceOptions {
  statusCode: number
  defaultRetryAfter: number
  forHost: (host: string | undefined) => (vars: PageVars) => string
}

/**
 * Sends the maintenance response. The page is rendered once per state
 * version and template, then served from a buffer: a closed site under a
 * crowd costs a lookup and a write per request.
 */
export function createMaintenanceReply (options: MaintenanceOptions) {
  let renderedVersion = -1
  let rendered = new Map<(vars: PageVars) => string, Buffer>()

  function page (snapshot: GateSnapshot, host: string | undefined, facts: MaintenanceFacts): Buffer {
    if (snapshot.version !== renderedVersion) {
      rendered = new Map()
      renderedVersion = snapshot.version
    }
    const template = options.forHost(host)
    let body = rendered.get(template)
    if (body === undefined) {
      body = Buffer.from(template({
        reason: facts.reason,
        eta: facts.eta,
        etaText: etaTextOf(facts.eta),
        retryAfter: facts.retryAfter,
        statusPath: STATUS_PATH,
        refreshSeconds: refreshSecondsOf(facts.retryAfter)
      }))
      rendered.set(template, body)
    }
    return body
  }

  return function sendMaintenance (request: FastifyRequest, reply: FastifyReply, snapshot: GateSnapshot, now: number): FastifyReply {
    const facts = maintenanceFacts(snapshot.state, options.defaultRetryAfter, now)
    reply.code(options.statusCode)
      .header('retry-after', String(facts.retryAfter))
      .header('cache-control', 'no-store')
      .header('vary', 'Accept')
    if (prefersJson(request.headers.accept)) {
      reply.header('content-type', 'application/json; charset=utf-8')
      return reply.send(request.method === 'HEAD' ? undefined : maintenanceJson(options.statusCode, facts))
    }
    const body = page(snapshot, request.headers.host, facts)
    reply.header('content-type', 'text/html; charset=utf-8')
      .header('refresh', String(refreshSecondsOf(facts.retryAfter)))
    if (request.method === 'HEAD') {
      reply.header('content-length', String(body.length))
      return reply.send()
    }
    return reply.send(body)
  }
}

export type SendMaintenance = ReturnType<typeof createMaintenanceReply>
