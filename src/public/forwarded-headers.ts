import type { IncomingHttpHeaders } from 'node:http'
import type { Config } from '../config/config.js'
import type { IpSet } from '../gate/ip-set.js'

export interface ForwardedOptions {
  trustedProxies: IpSet
  /** 'http' or 'https': what this listener speaks */
  proto: string
  bypassHeader: string
  bypassCookie: string
  /** the staged sticky cookie's name: Gatekeeper's own, like the bypass cookie */
  stickyCookie: string
}

/** The forwarding options a configuration implies: the same for passed requests and WebSocket handshakes. */
export function forwardedOptionsOf (config: Config, trustedProxies: IpSet): ForwardedOptions {
  return { trustedProxies, proto: 'http', bypassHeader: config.bypass.header, bypassCookie: config.bypass.cookieName, stickyCookie: config.staged.cookieName }
}

/**
 * Headers that could steer the application past what the gate decided: a
 * method override turns an admitted GET into a DELETE in many frameworks,
 * X-Original-URL and X-Rewrite-URL turn an always-allowed path into another
 * one, and the address and prefix headers stand in for X-Forwarded-For and
 * its kin. A trusted proxy may set them; from anyone else they are dropped.
 */
export const STEERING_HEADERS: ReadonlySet<string> = new Set(['x-http-method-override', 'x-method-override', 'x-http-method',
  'x-original-url', 'x-rewrite-url', 'forwarded', 'x-real-ip', 'x-forwarded-port', 'x-forwarded-prefix'])

function joined (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

const SPACE = 32
const TAB = 9
const EQUALS = 61

/** Whether the cookie at `from` of a Cookie header is named `name`. */
function isNamed (header: string, from: number, name: string): boolean {
  return header.charCodeAt(from + name.length) === EQUALS && header.startsWith(name, from)
}

/** Whether a Cookie header carries either of Gatekeeper's cookies: one scan, no allocation. */
function hasOwnCookie (header: string, options: ForwardedOptions): boolean {
  let from = 0
  while (from < header.length) {
    let code = header.charCodeAt(from)
    while (code === SPACE || code === TAB) code = header.charCodeAt(++from)
    if (isNamed(header, from, options.bypassCookie) || isNamed(header, from, options.stickyCookie)) return true
    const end = header.indexOf(';', from)
    if (end === -1) return false
    from = end + 1
  }
  return false
}

/**
 * The Cookie header for the application: without Gatekeeper's own cookies
 * (the bypass secret and the staged sticky id), the same string when it
 * carries neither, undefined when nothing is left.
 */
export function applicationCookies (header: string, options: ForwardedOptions): string | undefined {
  if (!hasOwnCookie(header, options)) return header
  const kept = header.split(';').filter((part) => {
    const start = part.length - part.trimStart().length
    return !isNamed(part, start, options.bypassCookie) && !isNamed(part, start, options.stickyCookie)
  })
  const result = kept.join(';').trim()
  return result.length === 0 ? undefined : result
}

/**
 * The headers the upstream receives. X-Forwarded-* are taken from the
 * request only when it came through a trusted proxy; from anyone else they
 * are replaced, so the application can rely on them, and the steering
 * headers are dropped. Gatekeeper's own cookies and the bypass header never
 * reach the application.
 */
export function upstreamHeaders (headers: IncomingHttpHeaders, remoteAddress: string, host: string | undefined, options: ForwardedOptions): IncomingHttpHeaders {
  const viaTrusted = options.trustedProxies.size > 0 && options.trustedProxies.has(remoteAddress)
  const forwardedFor = viaTrusted ? joined(headers['x-forwarded-for']) : undefined
  const peer = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress
  headers['x-forwarded-for'] = forwardedFor === undefined || forwardedFor.length === 0 ? peer : `${forwardedFor}, ${peer}`
  if (!viaTrusted || headers['x-forwarded-proto'] === undefined) headers['x-forwarded-proto'] = options.proto
  if (!viaTrusted || headers['x-forwarded-host'] === undefined) {
    if (host === undefined) delete headers['x-forwarded-host']
    else headers['x-forwarded-host'] = host
  }
  if (!viaTrusted) {
    for (const name of STEERING_HEADERS) {
      if (headers[name] !== undefined) delete headers[name]
    }
  }
  if (headers[options.bypassHeader] !== undefined) delete headers[options.bypassHeader]
  const cookie = headers.cookie
  if (cookie !== undefined) {
    const kept = applicationCookies(cookie, options)
    if (kept === undefined) delete headers.cookie
    else headers.cookie = kept
  }
  return headers
}

/**
 * Request headers that never cross to the upstream: hop-by-hop ones (RFC
 * 9110 7.6.1), Expect (Node has already answered 100 Continue to the
 * client), Host (the upstream's own is sent) and X-Forwarded-* (set anew).
 */
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect',
  'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'])

/** The header names a Connection header lists, or null when it lists only the usual keep-alive or close. */
function connectionNamed (connection: string | undefined): string[] | null {
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return null
  return connection.toLowerCase().split(',').map((name) => name.trim())
}

/**
 * The same rules as upstreamHeaders, for a passed HTTP request: built in one
 * pass over the client's headers as the flat [name, value, …] list the
 * upstream client takes, with the client's hop-by-hop headers (and any the
 * Connection header names) left out.
 */
export function upstreamHeaderList (headers: IncomingHttpHeaders, remoteAddress: string, upstreamHost: string, options: ForwardedOptions): string[] {
  const named = connectionNamed(headers.connection)
  const viaTrusted = options.trustedProxies.size > 0 && options.trustedProxies.has(remoteAddress)
  const list: string[] = []
  for (const name in headers) {
    if (NOT_FORWARDED.has(name) || name === options.bypassHeader || (named !== null && named.includes(name)) ||
      (!viaTrusted && STEERING_HEADERS.has(name))) continue
    let value = headers[name]
    if (value === undefined) continue
    if (name === 'cookie' && typeof value === 'string') {
      value = applicationCookies(value, options)
      if (value === undefined) continue
    }
    if (typeof value === 'string') {
      list.push(name, value)
    } else {
      for (const each of value) list.push(name, each)
    }
  }
  const peer = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress
  const forwardedFor = viaTrusted ? joined(headers['x-forwarded-for']) : undefined
  list.push('host', upstreamHost, 'x-forwarded-for', forwardedFor === undefined || forwardedFor.length === 0 ? peer : `${forwardedFor}, ${peer}`)
  const proto = viaTrusted ? joined(headers['x-forwarded-proto']) : undefined
  list.push('x-forwarded-proto', proto ?? options.proto)
  const host = (viaTrusted ? joined(headers['x-forwarded-host']) : undefined) ?? headers.host
  if (host !== undefined) list.push('x-forwarded-host', host)
  return list
}

/** What a proxied WebSocket handshake carries to the upstream besides its own headers. */
const WEBSOCKET_PASSED = ['cookie', 'origin', 'user-agent', 'authorization', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']

export function webSocketHeaders (request: { headers: IncomingHttpHeaders }): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {}
  for (const name of WEBSOCKET_PASSED) {
    const value = request.headers[name]
    if (value !== undefined) headers[name] = value
  }
  return headers
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate'])

/**
 * The upstream's response headers for the client, as the flat [name, value,
 * …] list Node writes as it is: without the upstream's hop-by-hop ones (RFC
 * 9110 7.6.1), since its keep-alive terms are between it and Gatekeeper and
 * must not override what the client asked of its own connection; with
 * Gatekeeper's own Set-Cookie (the staged sticky cookie) after its own.
 */
export function clientHeaderList (headers: IncomingHttpHeaders, ownCookie: string | undefined): string[] {
  const named = connectionNamed(headers.connection)
  const list: string[] = []
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (named !== null && named.includes(name))) continue
    const value = headers[name]
    if (typeof value === 'string') {
      list.push(name, value)
    } else if (value !== undefined) {
      for (const each of value) list.push(name, each)
    }
  }
  if (ownCookie !== undefined) list.push('set-cookie', ownCookie)
  return list
}
