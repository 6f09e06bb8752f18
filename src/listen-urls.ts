import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import type { Config } from './config/config.js'

/**
 * Stable across restarts on a fixed port, so a restarted instance takes the
 * place of its former self rather than leaving it silent in the list.
 */
export function instanceIdOf (config: Config, address: AddressInfo): string {
  const { port } = address
  const wildcard = config.listen.host === '0.0.0.0' || config.listen.host === '::'
  return `${hostname()}:${wildcard ? '' : `${config.listen.host}:`}${port}`
}

/** The URL a listener ended up on (port 0 picks a free one). */
export function urlOf (address: AddressInfo, tls = false): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`
}

/** Every public listener's URL, in config order: https:// for a TLS one. */
export function publicUrlsOf (config: Config, addresses: AddressInfo[]): string[] {
  return addresses.map((address, i) => urlOf(address, config.listeners[i]?.tls !== undefined))
}
