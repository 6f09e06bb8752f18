import { dirname, resolve } from 'node:path'
import type { Config } from '../config/config.js'
import { isGatekeeperError } from '../errors.js'

interface SystemError { code?: string, syscall?: string, path?: string, address?: string, port?: number, message: string }

/**
 * One line for a `serve` that could not start, naming the configuration key
 * to change: a sysadmin at 3 a.m. needs "listen.port: 8080 is in use", not a
 * stack trace.
 */
export function describeStartFailure (err: unknown, config: Config | undefined): string {
  if (isGatekeeperError(err)) return `${err.code}: ${err.message}`
  const e = err as SystemError
  if (config !== undefined && (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') && e.syscall === 'listen') {
    const key = e.port === config.admin.listen.port && e.address === config.admin.listen.host
      ? 'admin.listen'
      : (config.listeners.find((l) => l.port === e.port && l.host === e.address)?.key ?? 'listen')
    const where = `${e.address ?? '?'}:${e.port ?? '?'}`
    if (e.code === 'EADDRINUSE') return `${key}.port: ${where} is already in use (is another gatekeeper or service listening there?)`
    if (e.code === 'EACCES') return `${key}.port: not allowed to listen on ${where} (ports below 1024 need privileges)`
    return `${key}.host: ${e.address ?? '?'} is not an address of this machine`
  }
  if (config !== undefined && config.store.type === 'file' && typeof e.path === 'string' && e.code !== undefined) {
    const stateDir = dirname(resolve(config.store.path))
    if (resolve(e.path).startsWith(stateDir)) {
      if (e.code === 'ENOTDIR' || (e.code === 'EEXIST' && e.syscall === 'mkdir')) {
        return `store.path: ${e.path} is not a directory (${e.code}); the directory of ${config.store.path} must be one, writable by this user`
      }
      return `store.path: cannot ${e.syscall ?? 'use'} ${e.path} (${e.code}); make the directory of ${config.store.path} writable by this user, or point store.path elsewhere`
    }
  }
  if (typeof e.code === 'string' && typeof e.path === 'string') return `cannot ${e.syscall ?? 'use'} ${e.path} (${e.code})`
  return e.message ?? String(err)
}
