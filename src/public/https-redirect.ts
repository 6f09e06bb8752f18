import { normalHost } from '../gate/host.js'

/** Paths a redirecting listener still serves: the status poll, and ACME HTTP-01 challenges (to the application). */
const STATUS_PATH = '/__gatekeeper/status'
const ACME_PREFIX = '/.well-known/acme-challenge/'

export type RedirectAnswer =
  | { kind: 'serve' }
  | { kind: 'redirect', location: string }
  | { kind: 'bad-request', why: string }

const PORT = /^\d{1,5}$/

/** The host of a Host header without its port, as written (IPv6 in brackets); null when it is not a host name or an IP literal. */
export function hostWithoutPort (header: string | undefined): string | null {
  if (header === undefined || header === '') return null
  let host = header
  let port: string | undefined
  if (header.startsWith('[')) {
    const end = header.indexOf(']')
    if (end === -1) return null
    host = header.slice(0, end + 1)
    const rest = header.slice(end + 1)
    if (rest !== '') {
      if (!rest.startsWith(':')) return null
      port = rest.slice(1)
    }
  } else {
    const colon = header.indexOf(':')
    if (colon !== -1) {
      host = header.slice(0, colon)
      port = header.slice(colon + 1)
    }
  }
  if (port !== undefined && !PORT.test(port)) return null
  if (host.startsWith('[') ? normalHost(host) === null || !host.slice(1, -1).includes(':') : normalHost(host) === null) return null
  return host.toLowerCase()
}

/**
 * What a plain listener with `redirectToHttps` does with a request: 308 to
 * the same target on https:// (the TLS listener's port unless 443), except
 * for the status path and ACME challenges, which go through the gate as on
 * any listener. A Host that is not a host name or an IP literal gets a 400,
 * so the Location never points anywhere the Host did not name.
 */
export function httpsRedirect (hostHeader: string | undefined, target: string, tlsPort: number): RedirectAnswer {
  const path = target.split('?', 1)[0] ?? ''
  if (path === STATUS_PATH || path.startsWith(ACME_PREFIX)) return { kind: 'serve' }
  const host = hostWithoutPort(hostHeader)
  if (host === null) return { kind: 'bad-request', why: 'the Host header must be a host name or an IP address, with an optional port' }
  if (!target.startsWith('/')) return { kind: 'bad-request', why: 'the request target must be a path' }
  return { kind: 'redirect', location: `https://${host}${tlsPort === 443 ? '' : `:${tlsPort}`}${target}` }
}
