import type { IncomingHttpHeaders } from 'node:http'
import type { Config } from '../config/config.js'
import { clientIp } from '../gate/client-ip.js'
import { readCookie } from '../gate/cookies.js'
import type { RequestFacts } from '../gate/decide.js'
import type { IpSet } from '../gate/ip-set.js'

export interface FactsOptions {
  trustedProxies: IpSet
  bypassHeader: string
  bypassCookie: string
  stickyCookie: string
  stagedKeyHeader: string | undefined
}

/** The facts options a configuration implies: the same for the gate (admit.ts) and the status endpoint. */
export function factsOptionsOf (config: Config, trustedProxies: IpSet): FactsOptions {
  return {
    trustedProxies,
    bypassHeader: config.bypass.header,
    bypassCookie: config.bypass.cookieName,
    stickyCookie: config.staged.cookieName,
    stagedKeyHeader: config.staged.keyHeader
  }
}

function single (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** What the gate reads of a request: Node's own request has it (and so has a Fastify request, for the status endpoint). */
export interface GateRequest {
  method?: string
  url?: string
  headers: IncomingHttpHeaders
  socket: { remoteAddress?: string }
}

/** The client's address as the gate sees it: the socket's, or the forwarded one behind a trusted proxy. */
export function clientIpOf (request: GateRequest, trustedProxies: IpSet): string {
  const remote = request.socket.remoteAddress
  if (trustedProxies.size === 0) return clientIp(remote, undefined, trustedProxies)
  return clientIp(remote, request.headers['x-forwarded-for'], trustedProxies)
}

/**
 * The staged key header's value, taken only from a trusted proxy (an API
 * gateway that has authenticated the key): a client that reaches Gatekeeper
 * directly could otherwise name any key it likes until one lands in an
 * admitted bucket. Everyone else is keyed by address.
 */
function stagedKeyOf (request: GateRequest, options: FactsOptions): string | undefined {
  if (options.stagedKeyHeader === undefined || options.trustedProxies.size === 0) return undefined
  const value = single(request.headers[options.stagedKeyHeader])
  if (value === undefined) return undefined
  return options.trustedProxies.has(request.socket.remoteAddress ?? '') ? value : undefined
}

/** Whether a request carries a body: a length above 0, or one sent in chunks. */
function hasBody (headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length']
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** Gathers what the pure decision needs from a request. */
export function requestFacts (request: GateRequest, ip: string, options: FactsOptions): RequestFacts {
  const headers = request.headers
  const cookie = headers.cookie
  return {
    method: request.method ?? 'GET',
    url: request.url ?? '/',
    clientIp: ip,
    bypassToken: single(headers[options.bypassHeader]) ?? readCookie(cookie, options.bypassCookie),
    stickyCookie: readCookie(cookie, options.stickyCookie),
    stagedKey: stagedKeyOf(request, options),
    hasBody: hasBody(headers),
    methodOverride: single(headers['x-http-method-override']) ?? single(headers['x-method-override']) ?? single(headers['x-http-method']),
    upgrade: headers.upgrade !== undefined
  }
}
