import { readFileSync } from 'node:fs'

/**
 * Descriptors kept out of the listener's share: stdio, the event loop, the
 * admin listener and its clients, the store's files, Redis, the log, DNS.
 */
export const RESERVED_FDS = 128

/** Of the listener's share, the part public clients may fill; the rest is kept for allowlisted clients. */
const PUBLIC_SHARE = 0.75

export interface ConnectionBudget {
  /** connections from clients that are not allowlisted, in this process */
  publicMax: number
  /** every client connection of the public listener in this process, allowlisted ones included */
  listenerMax: number
}

/**
 * How many connections the public listener of this process may hold.
 * Each client connection may hold an upstream connection too, so the
 * listener gets half of what is left after the reserve: the process then
 * never runs out of descriptors, which would stop every listener accepting
 * (the admin API included). The public share is the configured cap (split
 * between `workers`), at most three quarters of the listener's.
 * `fdLimit` null (no /proc) leaves the configured cap alone.
 */
export function connectionBudget (maxConnections: number, workers: number, fdLimit: number | null): ConnectionBudget {
  const configured = Math.ceil(maxConnections / Math.max(1, workers))
  if (fdLimit === null) return { publicMax: configured, listenerMax: Math.ceil(configured / PUBLIC_SHARE) }
  const listenerMax = Math.max(2, Math.floor((fdLimit - RESERVED_FDS) / 2))
  return { publicMax: Math.max(1, Math.min(configured, Math.floor(listenerMax * PUBLIC_SHARE))), listenerMax }
}

/** The soft limit on open files of this process (`ulimit -n`), or null where /proc does not say. */
export function readFdLimit (path = '/proc/self/limits'): number | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return null
  }
  const soft = /^Max open files\s+(\d+)/m.exec(text)?.[1]
  return soft === undefined ? null : Number(soft)
}
