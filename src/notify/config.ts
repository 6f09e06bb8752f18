import type { Fail } from '../input/fail.js'
import { EVENT_NAMES } from './events.js'
import type { WebhookEndpoint, WebhooksConfig } from './notifier.js'

const KEYS = ['endpoints', 'timeoutMs', 'retries', 'backoffMs', 'queueSize']
const ENDPOINT_KEYS = ['url', 'secretEnv', 'events']
const MIN_SECRET = 16

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function whole (value: unknown, key: string, fallback: number, min: number, max: number, fail: Fail): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return fail(key, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

function onlyKeys (raw: Record<string, unknown>, key: string, known: readonly string[], fail: Fail): void {
  for (const name of Object.keys(raw)) {
    if (!known.includes(name)) fail(`${key}.${name}`, `is not a known setting (known: ${known.join(', ')})`)
  }
}

function eventPatterns (value: unknown, key: string, fail: Fail): string[] | null {
  if (value === undefined || value === null) return null
  if (!Array.isArray(value) || value.length === 0) return fail(key, `must be a non-empty list of event names, got ${JSON.stringify(value)}`)
  return value.map((pattern, i) => {
    const known = typeof pattern === 'string' && (
      (EVENT_NAMES as readonly string[]).includes(pattern) ||
      (pattern.endsWith('.*') && EVENT_NAMES.some((name) => name.startsWith(pattern.slice(0, -1)))))
    if (!known) fail(`${key}[${i}]`, `must be an event name or a prefix such as "ramp.*" (events: ${EVENT_NAMES.join(', ')}), got ${JSON.stringify(pattern)}`)
    return pattern as string
  })
}

function endpoint (value: unknown, key: string, env: NodeJS.ProcessEnv, fail: Fail): WebhookEndpoint {
  if (!isObject(value)) return fail(key, `must be a mapping {url, secretEnv, events?}, got ${JSON.stringify(value)}`)
  onlyKeys(value, key, ENDPOINT_KEYS, fail)
  let url: URL
  try {
    url = new URL(String(value.url))
  } catch {
    return fail(`${key}.url`, `must be a URL such as https://hooks.example.org/gatekeeper, got ${JSON.stringify(value.url)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${key}.url`, `must be http:// or https://, got ${url.protocol}`)
  const variable = value.secretEnv
  if (typeof variable !== 'string' || variable.length === 0) {
    return fail(`${key}.secretEnv`, 'is required: the name of an environment variable holding the signing secret')
  }
  const secret = env[variable]
  if (secret === undefined || secret.length < MIN_SECRET) {
    fail(`${key}.secretEnv`, `the environment variable ${variable} must hold a secret of at least ${MIN_SECRET} characters`)
  }
  return { url: url.href, secret: secret as string, events: eventPatterns(value.events, `${key}.events`, fail) }
}

/** `webhooks:` in the configuration; secrets come from the environment, never from the file. */
export function parseWebhooks (value: unknown, env: NodeJS.ProcessEnv, fail: Fail): WebhooksConfig {
  const raw = value === undefined || value === null ? {} : value
  if (!isObject(raw)) return fail('webhooks', `must be a mapping {endpoints: [...]}, got ${JSON.stringify(value)}`)
  onlyKeys(raw, 'webhooks', KEYS, fail)
  const list = raw.endpoints ?? []
  if (!Array.isArray(list)) return fail('webhooks.endpoints', `must be a list, got ${JSON.stringify(list)}`)
  return {
    endpoints: list.map((entry, i) => endpoint(entry, `webhooks.endpoints[${i}]`, env, fail)),
    timeoutMs: whole(raw.timeoutMs, 'webhooks.timeoutMs', 5000, 100, 120000, fail),
    retries: whole(raw.retries, 'webhooks.retries', 3, 0, 20, fail),
    backoffMs: whole(raw.backoffMs, 'webhooks.backoffMs', 1000, 1, 600000, fail),
    queueSize: whole(raw.queueSize, 'webhooks.queueSize', 100, 1, 100000, fail)
  }
}
