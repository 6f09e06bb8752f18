import type { Config } from '../config/config.js'

/**
 * What a running gatekeeper can take from a changed configuration file.
 * A top-level key listed here is applied live by a reload part
 * (src/reload/parts.ts); any other key that changed refuses the reload.
 */
export const LIVE_KEYS: ReadonlySet<string> = new Set([
  'allowlist', 'alwaysAllow', 'trustedProxies', 'maintenance', 'logLevel', 'webhooks', 'healthGate',
  'publicRequestCutoffMs', 'websocket', 'admin', 'accessLog',
  // the application nodes, their health check, affinity, timeouts and bound (`upstream` in the file)
  'upstream',
  // the public listeners, rebound (in one process, or in every worker of `workers: N`)
  'listen'
])

/**
 * Parts of a live key that still need a restart: the listeners are bound,
 * the admin API's host check is built once, the health figures are kept in
 * buckets sized for the window they were started with, and the WebSocket
 * relay's message limits are fixed into its server and client when the
 * relay is registered.
 */
const RESTART_ONLY_PARTS: Readonly<Record<string, readonly string[]>> = {
  admin: ['listen', 'hosts'],
  websocket: ['maxMessageBytes', 'upstreamMaxMessageBytes'],
  healthGate: ['windowSeconds', 'perClientSamples']
}

export interface ConfigDiff {
  /** top-level keys whose value differs, in the configuration's order */
  changed: string[]
  /** what differs and cannot change live (a top-level key, or `key.part`): a reload with any of these is refused */
  restartOnly: string[]
}

/** Keys of the parsed configuration that are views of another key of the file: named as the file names them. */
const FILE_KEY: Readonly<Record<string, string>> = { listeners: 'listen', nodes: 'upstream' }

function same (a: unknown, b: unknown): boolean {
  // parseConfig builds every object in a fixed key order, and URL has toJSON: equal settings read alike
  return JSON.stringify(a) === JSON.stringify(b)
}

/** Compares two parsed configurations: what changed, and what of that needs a restart. Pure. */
export function diffConfig (old: Config, next: Config): ConfigDiff {
  const was = old as unknown as Record<string, unknown>
  const now = next as unknown as Record<string, unknown>
  const keys = [...new Set([...Object.keys(was), ...Object.keys(now)])]
  const changed: string[] = []
  const restartOnly: string[] = []
  for (const parsedKey of keys) {
    if (same(was[parsedKey], now[parsedKey])) continue
    const key = FILE_KEY[parsedKey] ?? parsedKey
    if (changed.includes(key)) continue
    changed.push(key)
    if (!LIVE_KEYS.has(key)) {
      restartOnly.push(key)
      continue
    }
    const parts = RESTART_ONLY_PARTS[key]
    if (parts === undefined) continue
    const wasPart = (was[key] ?? {}) as Record<string, unknown>
    const nowPart = (now[key] ?? {}) as Record<string, unknown>
    for (const part of parts) {
      if (!same(wasPart[part], nowPart[part])) restartOnly.push(`${key}.${part}`)
    }
  }
  return { changed, restartOnly }
}
