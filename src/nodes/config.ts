import { readDuration, DURATION_EXAMPLES } from '../state/duration.js'
import type { Fail } from '../input/fail.js'

/** One application node behind the gate. */
export interface NodeConfig {
  name: string
  /** the node's origin (no path) */
  url: URL
  /** its share among the usable nodes, proportionally */
  weight: number
}

export interface HealthCheckConfig {
  path: string
  intervalMs: number
  timeoutMs: number
  /** consecutive failed checks that take an up node down */
  fall: number
  /** consecutive good checks that bring a down node back */
  rise: number
}

export interface NodesConfig {
  nodes: NodeConfig[]
  /** null: no active checks (and no passive ones either: nothing could bring a node back) */
  healthCheck: HealthCheckConfig | null
  /** the application's session cookie that keeps a client on the node that issued it; null: none */
  affinityCookie: string | null
  timeouts: { connectMs: number, headersMs: number, bodyMs: number }
  /** connections to one node at most; null: no bound */
  maxConnectionsPerNode: number | null
}

export const NODE_NAME = /^[a-z0-9][a-z0-9-]*$/
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const NODE_KEYS = ['name', 'url', 'weight']
const UPSTREAM_KEYS = ['nodes', 'healthCheck', 'affinity', 'timeouts', 'maxConnectionsPerNode']
const CHECK_KEYS = ['path', 'interval', 'timeout', 'fall', 'rise']

/** The defaults of an upstream without `timeouts:`: undici's own, as before nodes existed. */
export const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 300_000, bodyMs: 300_000 }

type Obj = Record<string, unknown>

function isObj (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function mapping (value: unknown, key: string, fail: Fail): Obj {
  if (value === undefined || value === null) return {}
  if (!isObj(value)) return fail(key, `must be a mapping, got ${JSON.stringify(value)}`)
  return value
}

function known (value: Obj, key: string, keys: readonly string[], fail: Fail): void {
  for (const name of Object.keys(value)) {
    if (!keys.includes(name)) fail(`${key}.${name}`, `is not a known setting (known: ${keys.join(', ')})`)
  }
}

/** An origin: http(s), no path, query, fragment or credentials. */
export function originOf (value: unknown, key: string, fail: Fail): URL {
  if (typeof value !== 'string' || value === '') return fail(key, `must be a URL such as http://127.0.0.1:3000, got ${JSON.stringify(value)}`)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail(key, `must be a URL such as http://127.0.0.1:3000, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(key, `must be http:// or https://, got ${url.protocol}`)
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') fail(key, 'must be an origin without a path, query or fragment')
  if (url.username !== '' || url.password !== '') fail(key, 'must not carry credentials')
  return url
}

function duration (value: unknown, key: string, fallbackMs: number, minMs: number, fail: Fail): number {
  if (value === undefined) return fallbackMs
  const reading = readDuration(value)
  if (!reading.ok) return fail(key, `must be a duration such as 500ms, 5s or ${DURATION_EXAMPLES}, got ${JSON.stringify(value)} (it ${reading.reason})`)
  if (reading.ms < minMs) return fail(key, `must be at least ${minMs} ms, got ${JSON.stringify(value)}`)
  return reading.ms
}

function whole (value: unknown, key: string, fallback: number, min: number, max: number, fail: Fail): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

function nodeList (value: unknown, fail: Fail): NodeConfig[] {
  if (!Array.isArray(value) || value.length === 0) return fail('upstream.nodes', 'must be a list of at least one node {name, url, weight?}')
  const names = new Set<string>()
  return value.map((entry, i) => {
    const key = `upstream.nodes[${i}]`
    if (!isObj(entry)) return fail(key, `must be a mapping {name, url, weight?}, got ${JSON.stringify(entry)}`)
    known(entry, key, NODE_KEYS, fail)
    const name = entry.name
    if (typeof name !== 'string' || !NODE_NAME.test(name) || name.length > 63) {
      return fail(`${key}.name`, `must be lower-case letters, digits and "-", starting with a letter or digit, at most 63 characters, got ${JSON.stringify(name)}`)
    }
    if (names.has(name)) fail(`${key}.name`, `${JSON.stringify(name)} is used twice`)
    names.add(name)
    return { name, url: originOf(entry.url, `${key}.url`, fail), weight: whole(entry.weight, `${key}.weight`, 1, 1, 1000, fail) }
  })
}

function healthCheck (value: unknown, fail: Fail): HealthCheckConfig | null {
  if (value === undefined || value === null) return null
  const raw = mapping(value, 'upstream.healthCheck', fail)
  known(raw, 'upstream.healthCheck', CHECK_KEYS, fail)
  const path = raw.path ?? '/'
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) fail('upstream.healthCheck.path', `must be a path starting with "/", got ${JSON.stringify(path)}`)
  const intervalMs = duration(raw.interval, 'upstream.healthCheck.interval', 5000, 100, fail)
  const timeoutMs = duration(raw.timeout, 'upstream.healthCheck.timeout', Math.min(2000, intervalMs - 1), 1, fail)
  if (timeoutMs >= intervalMs) fail('upstream.healthCheck.timeout', `must be shorter than upstream.healthCheck.interval (${intervalMs} ms), got ${JSON.stringify(raw.timeout)}`)
  return {
    path: path as string,
    intervalMs,
    timeoutMs,
    fall: whole(raw.fall, 'upstream.healthCheck.fall', 3, 1, 100, fail),
    rise: whole(raw.rise, 'upstream.healthCheck.rise', 2, 1, 100, fail)
  }
}

function affinity (value: unknown, fail: Fail): string | null {
  if (value === undefined || value === null || value === 'none') return null
  const raw = mapping(value, 'upstream.affinity', fail)
  known(raw, 'upstream.affinity', ['cookie'], fail)
  const cookie = raw.cookie
  if (cookie === undefined || cookie === 'none') return null
  if (typeof cookie !== 'string' || !COOKIE_NAME.test(cookie)) return fail('upstream.affinity.cookie', `must be a cookie name such as JSESSIONID, or none, got ${JSON.stringify(cookie)}`)
  return cookie
}

/**
 * `upstream:` in the configuration: one origin (a node named `default`), or
 * a mapping of nodes with their health check, affinity, timeouts and
 * connection bound.
 */
export function parseNodesConfig (value: unknown, fail: Fail): NodesConfig {
  if (typeof value === 'string' || value === undefined) {
    const url = originOf(value, 'upstream', fail)
    return { nodes: [{ name: 'default', url, weight: 1 }], healthCheck: null, affinityCookie: null, timeouts: { ...DEFAULT_TIMEOUTS }, maxConnectionsPerNode: null }
  }
  const raw = mapping(value, 'upstream', fail)
  known(raw, 'upstream', UPSTREAM_KEYS, fail)
  const timeouts = mapping(raw.timeouts, 'upstream.timeouts', fail)
  known(timeouts, 'upstream.timeouts', ['connect', 'headers', 'body'], fail)
  return {
    nodes: nodeList(raw.nodes, fail),
    healthCheck: healthCheck(raw.healthCheck, fail),
    affinityCookie: affinity(raw.affinity, fail),
    timeouts: {
      connectMs: duration(timeouts.connect, 'upstream.timeouts.connect', DEFAULT_TIMEOUTS.connectMs, 1, fail),
      headersMs: duration(timeouts.headers, 'upstream.timeouts.headers', DEFAULT_TIMEOUTS.headersMs, 1, fail),
      bodyMs: duration(timeouts.body, 'upstream.timeouts.body', DEFAULT_TIMEOUTS.bodyMs, 1, fail)
    },
    maxConnectionsPerNode: raw.maxConnectionsPerNode === undefined ? null : whole(raw.maxConnectionsPerNode, 'upstream.maxConnectionsPerNode', 0, 1, 100_000, fail)
  }
}
