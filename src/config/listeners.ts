import { isIP } from 'node:net'
import { array, boolean, fail, integer, isObject, object, onlyKeys, string } from '../input/config-checks.js'

/** One certificate of a TLS listener: PEM files, relative to the config file's directory. */
export interface CertificateFiles { cert: string, key: string }

/** A public listener: plain HTTP, TLS with certificates chosen by SNI, or plain HTTP that sends everyone to the TLS one. */
export interface PublicListener {
  /** how config errors name it: `listen` or `listen[1]` */
  key: string
  host: string
  port: number
  tls?: { certs: CertificateFiles[] }
  /** a plain listener answering 308 to https:// (but for the status path and ACME challenges) */
  redirectToHttps: boolean
}

function listener (value: unknown, key: string): PublicListener {
  const raw = object(value, key, true)
  onlyKeys(raw, key, ['host', 'port', 'tls', 'redirectToHttps'])
  const host = string(raw.host, `${key}.host`, '0.0.0.0')
  if (isIP(host) === 0 && host !== 'localhost') fail(`${key}.host`, `must be an IP address or localhost, got ${JSON.stringify(host)}`)
  const port = integer(raw.port, `${key}.port`, 8080, 0, 65535)
  const redirectToHttps = boolean(raw.redirectToHttps, `${key}.redirectToHttps`, false)
  if (raw.tls === undefined || raw.tls === null) return { key, host, port, redirectToHttps }
  if (redirectToHttps) fail(`${key}.redirectToHttps`, 'only a plain listener redirects to https; this one has tls')
  const tls = object(raw.tls, `${key}.tls`)
  onlyKeys(tls, `${key}.tls`, ['certs'])
  const certs = array(tls.certs, `${key}.tls.certs`).map((entry, i) => {
    const at = `${key}.tls.certs[${i}]`
    const files = object(entry, at, true)
    onlyKeys(files, at, ['cert', 'key'])
    return { cert: string(files.cert, `${at}.cert`), key: string(files.key, `${at}.key`) }
  })
  if (certs.length === 0) fail(`${key}.tls.certs`, 'needs at least one { cert, key }')
  return { key, host, port, tls: { certs }, redirectToHttps }
}

/**
 * `listen`: one mapping `{ host, port }` (one plain listener, as before) or
 * a list of listeners. Every one serves the same gate.
 */
export function parseListeners (value: unknown): PublicListener[] {
  if (value === undefined || value === null) return [{ key: 'listen', host: '0.0.0.0', port: 8080, redirectToHttps: false }]
  if (isObject(value)) return [listener(value, 'listen')]
  const list = array(value, 'listen').map((entry, i) => listener(entry, `listen[${i}]`))
  if (list.length === 0) fail('listen', 'needs at least one listener')
  const tlsPort = list.find((l) => l.tls !== undefined)
  list.forEach((l, i) => {
    if (l.redirectToHttps && tlsPort === undefined) fail(`listen[${i}].redirectToHttps`, 'needs a listener with tls to redirect to')
  })
  return list
}
