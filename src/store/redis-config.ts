import { errors } from '../errors.js'

export interface RedisNode {
  host: string
  port: number
}

/** The `store` section when `type: redis`, validated and defaulted. */
export interface RedisStoreConfig {
  /** one Redis server: redis://[user:password@]host:port[/db] or rediss:// */
  url?: string
  /** Sentinel: the sentinels to ask, with `name` the master they watch */
  sentinels?: RedisNode[]
  name?: string
  /** Cluster: some of its nodes; the rest are discovered */
  cluster?: RedisNode[]
  /** every key and channel starts with it, so deployments can share one Redis */
  keyPrefix: string
  /** the audit stream is trimmed to about this many entries */
  auditMaxLen: number
  /** how often each instance re-reads the state in case it missed a published change */
  resyncIntervalMs: number
  /** where this instance keeps the last state it knew, for a boot while Redis is down */
  localCopyPath: string
  password?: string
  /** the name of the environment variable holding the password; resolved into `password` */
  passwordEnv?: string
  db?: number
  /** a command not answered within this time counts as Redis being unreachable */
  commandTimeoutMs: number
}

export const redisStoreDefaults = {
  keyPrefix: 'gatekeeper:',
  auditMaxLen: 10000,
  resyncIntervalMs: 5000,
  localCopyPath: 'var/state.local.json',
  commandTimeoutMs: 2000
} as const

const KNOWN_KEYS = new Set(['type', 'url', 'sentinels', 'name', 'cluster', 'keyPrefix', 'auditMaxLen',
  'resyncIntervalMs', 'localCopyPath', 'password', 'passwordEnv', 'db', 'commandTimeoutMs'])

type Obj = Record<string, unknown>

function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function configError (key: string, why: string): Error {
  return new errors.GK_ERR_CONFIG(`${key}: ${why}`)
}

function integerIn (raw: Obj, key: string, path: string, min: number, max: number): number | undefined {
  const value = raw[key]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configError(`${path}.${key}`, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`)
  }
  return value
}

function nonEmptyString (raw: Obj, key: string, path: string): string | undefined {
  const value = raw[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0) {
    throw configError(`${path}.${key}`, `must be a non-empty string, got ${JSON.stringify(value)}`)
  }
  return value
}

function nodeList (raw: Obj, key: string, path: string): RedisNode[] | undefined {
  const value = raw[key]
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0) {
    throw configError(`${path}.${key}`, 'must be a non-empty list of {host, port}')
  }
  return value.map((node: unknown, i) => {
    const where = `${path}.${key}[${i}]`
    if (!isObject(node)) throw configError(where, 'must be {host, port}')
    const host = nonEmptyString(node, 'host', where)
    if (host === undefined) throw configError(`${where}.host`, 'is required')
    const port = integerIn(node, 'port', where, 1, 65535)
    if (port === undefined) throw configError(`${where}.port`, 'is required')
    return { host, port }
  })
}

function checkUrl (url: string, path: string): void {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // the value is not echoed: it may carry a password
    throw configError(`${path}.url`, 'is not a URL; expected redis://host:port or rediss://host:port')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw configError(`${path}.url`, `must start with redis:// or rediss://, not ${parsed.protocol}//`)
  }
}

/**
 * Validates the `store` section of a Redis deployment. Every error names the
 * key at fault, e.g. `store.sentinels[1].port: ...`.
 */
export function parseRedisStoreConfig (raw: unknown, path = 'store', env: NodeJS.ProcessEnv = process.env): RedisStoreConfig {
  if (!isObject(raw)) throw configError(path, 'must be an object such as { type: redis, url: redis://127.0.0.1:6379 }')
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) {
      throw configError(`${path}.${key}`, `is not a setting of the redis store; known settings: ${[...KNOWN_KEYS].join(', ')}`)
    }
  }
  if (raw.type !== undefined && raw.type !== 'redis') {
    throw configError(`${path}.type`, `is ${JSON.stringify(raw.type)}, this section describes a redis store`)
  }

  const url = nonEmptyString(raw, 'url', path)
  const sentinels = nodeList(raw, 'sentinels', path)
  const name = nonEmptyString(raw, 'name', path)
  const cluster = nodeList(raw, 'cluster', path)
  const ways = [url, sentinels, cluster].filter((way) => way !== undefined).length
  if (ways !== 1) {
    throw configError(`${path}.url`, `give exactly one of ${path}.url (one server), ${path}.sentinels with ${path}.name (Sentinel) or ${path}.cluster (Cluster)`)
  }
  if (url !== undefined) checkUrl(url, path)
  if (sentinels !== undefined && name === undefined) {
    throw configError(`${path}.name`, 'is required with sentinels: the name of the master they watch')
  }
  if (name !== undefined && sentinels === undefined) {
    throw configError(`${path}.name`, 'only applies with sentinels')
  }

  const db = integerIn(raw, 'db', path, 0, 65535)
  if (db !== undefined && cluster !== undefined) {
    throw configError(`${path}.db`, 'cannot be used with a cluster: a Redis Cluster has database 0 only')
  }

  let password = nonEmptyString(raw, 'password', path)
  const passwordEnv = nonEmptyString(raw, 'passwordEnv', path)
  if (password !== undefined && passwordEnv !== undefined) {
    throw configError(`${path}.passwordEnv`, `give either ${path}.password or ${path}.passwordEnv, not both`)
  }
  if (passwordEnv !== undefined) {
    password = env[passwordEnv]
    if (password === undefined || password.length === 0) {
      throw configError(`${path}.passwordEnv`, `the environment variable ${passwordEnv} is not set or empty`)
    }
  }

  const keyPrefix = nonEmptyString(raw, 'keyPrefix', path) ?? redisStoreDefaults.keyPrefix
  if (/[\s{}]/.test(keyPrefix)) {
    throw configError(`${path}.keyPrefix`, 'must not contain spaces or braces (braces are added for a cluster\'s hash tag)')
  }

  const config: RedisStoreConfig = {
    keyPrefix,
    auditMaxLen: integerIn(raw, 'auditMaxLen', path, 1, 10_000_000) ?? redisStoreDefaults.auditMaxLen,
    resyncIntervalMs: integerIn(raw, 'resyncIntervalMs', path, 50, 3_600_000) ?? redisStoreDefaults.resyncIntervalMs,
    localCopyPath: nonEmptyString(raw, 'localCopyPath', path) ?? redisStoreDefaults.localCopyPath,
    commandTimeoutMs: integerIn(raw, 'commandTimeoutMs', path, 10, 60_000) ?? redisStoreDefaults.commandTimeoutMs
  }
  if (url !== undefined) config.url = url
  if (sentinels !== undefined) config.sentinels = sentinels
  if (name !== undefined) config.name = name
  if (cluster !== undefined) config.cluster = cluster
  if (password !== undefined) config.password = password
  if (passwordEnv !== undefined) config.passwordEnv = passwordEnv
  if (db !== undefined) config.db = db
  return config
}

/** The config with defaults, for code (and tests) that build one by hand. */
export function redisStoreConfig (fields: Partial<RedisStoreConfig>): RedisStoreConfig {
  return { ...redisStoreDefaults, ...fields }
}
