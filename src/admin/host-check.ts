import type { FastifyRequest } from 'fastify'
import { canonicalIp, parseIp } from '../gate/cidr.js'
import { normalHost } from '../gate/host.js'
import { errors } from '../errors.js'

const PORT = /^[0-9]{1,5}$/
const WILDCARDS = new Set(['0.0.0.0', '::', ''])

/** The host of a Host header, its port dropped; null when the header is malformed. */
function hostOfHeader (header: string): string | null {
  let host = header
  if (header.startsWith('[')) {
    const close = header.indexOf(']')
    if (close === -1) return null
    const after = header.slice(close + 1)
    if (after !== '' && !(after.startsWith(':') && PORT.test(after.slice(1)))) return null
    host = header.slice(0, close + 1)
  } else {
    const colon = header.indexOf(':')
    if (colon !== -1) {
      if (!PORT.test(header.slice(colon + 1))) return null
      host = header.slice(0, colon)
    }
  }
  return normalHost(host)
}

function isLoopback (host: string): boolean {
  if (host === 'localhost') return true
  const ip = parseIp(host)
  if (ip === null) return false
  if (ip.family === 4) return ip.bytes[0] === 127
  return ip.bytes.every((byte, i) => byte === (i === 15 ? 1 : 0))
}

/**
 * The admin API answers only requests addressed to it: a Host header naming
 * a loopback name or address, the configured listen host, a name listed in
 * `admin.hosts`, or the very address the connection came in on. A web page
 * whose own name was made to resolve to this machine (DNS rebinding) sends
 * its own name as the Host, and is refused before anything is read; an
 * address typed by hand cannot be rebound. A request without a Host header
 * (HTTP/1.0) is not a browser's and passes.
 */
export function hostCheckHook (listenHost: string, hosts: readonly string[]) {
  const allowed = new Set(hosts)
  const listen = normalHost(listenHost)
  if (listen !== null && !WILDCARDS.has(listen)) allowed.add(listen)
  return async function checkHost (request: FastifyRequest): Promise<void> {
    const header = request.headers.host
    if (header === undefined) return
    const host = hostOfHeader(header)
    if (host !== null && (allowed.has(host) || isLoopback(host) || host === canonicalIp(request.socket.localAddress ?? ''))) return
    throw new errors.GK_ERR_HOST_NOT_ALLOWED(JSON.stringify(header.slice(0, 100)))
  }
}
