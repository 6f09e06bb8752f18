import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isIP } from 'node:net'
import { parseConnectionLimits, type ConnectionLimits } from '../connections/config.js'
import { parseFirewallConfig } from '../firewall/config.js'
import { normalHost } from '../gate/host.js'
import { parseCidr } from '../gate/cidr.js'
import { compilePathMatcher } from '../gate/path.js'
import { MAX_ALLOWLIST_ENTRIES } from '../state/limits.js'
import { MODES, type Mode } from '../state/types.js'
import { parseListeners, type PublicListener } from './listeners.js'
import { parseHealthGate, type HealthGateConfig } from '../health/config.js'
import { parseWebhooks } from '../notify/config.js'
import { parseNodesConfig, type NodesConfig } from '../nodes/config.js'
import type { WebhooksConfig } from '../notify/notifier.js'
import { parseRampConfig, type RampConfig } from '../reopen/config.js'
import { parseRedisStoreConfig, type RedisStoreConfig } from '../store/redis-config.js'
import { DEFAULT_SITE, parseSites, type SiteConfig } from '../sites/config.js'
import {
  array, boolean, fail, integer, isObject, object, oneOf, onlyKeys, optionalString, string, type Obj
} from '../input/config-checks.js'

export interface Listen { host: string, port: number }

export type Role = 'viewer' | 'operator'

export interface AdminToken {
  name: string
  /** hex SHA-256 of the bearer token */
  sha256: string
  role: Role
}

export interface FileStoreConfig { type: 'file', path: string, auditPath?: string }

export type StoreConfig = FileStoreConfig | ({ type: 'redis' } & RedisStoreConfig)

export interface Config {
  /** the first public listener's address (instance id, public URL) */
  listen: Listen
  /** every public listener (`listen` as a list, or the one mapping); all serve the same gate */
  listeners: PublicListener[]
  /** the first node's origin (the only one of `upstream: URL`) */
  upstream: URL
  /** the application nodes behind the gate, their health check, affinity and timeouts (src/nodes/) */
  nodes: NodesConfig
  /** hosts: names (and addresses) the admin API answers for besides its listen host and loopback */
  admin: { listen: Listen, tokens: AdminToken[], hosts: string[] }
  trustedProxies: string[]
  allowlist: Array<{ cidr: string, label: string }>
  alwaysAllow: { paths: string[] }
  store: StoreConfig
  onStoreFailure: 'last-known' | 'closed'
  /** the mode of a deployment that has never stored a state */
  initialMode: Mode
  maintenance: {
    statusCode: number
    /** Retry-After, in seconds, when the window has no expected end */
    retryAfter: number
    pagesDir: string
  }
  staged: {
    /** a request header that keys a client's bucket (an API key) instead of its IP */
    keyHeader?: string
    cookieName: string
  }
  bypass: { cookieName: string, header: string }
  websocket: {
    closeGraceMs: number
    /** the largest message relayed from a client; each is held whole in memory, so the public must not choose its size */
    maxMessageBytes: number
    /** the largest message relayed from the upstream */
    upstreamMaxMessageBytes: number
  }
  /** how long a graceful shutdown waits for in-flight requests */
  shutdownGraceMs: number
  /** how long the public's requests in flight may run on after a change that would no longer admit them */
  publicRequestCutoffMs: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  firewall: Obj | null
  /** watches the upstream while staged; aborts or holds a ramp */
  healthGate: HealthGateConfig
  /** signed JSON POSTs on every change of mode, ramp step, abort and schedule event */
  webhooks: WebhooksConfig
  ramp: RampConfig
  /**
   * Processes serving the public listener (node:cluster): 1 serves it in
   * this process; more fork that many workers sharing the port, while this
   * process keeps the store and the admin API (src/cluster/).
   */
  workers: number
  /** connection caps and the header timeout (src/connections/) */
  limits: ConnectionLimits
  /** one info line per public request when its response finishes */
  accessLog: boolean
  /** several applications, each with its hosts, paths, upstream and state (src/sites/); absent: the one site `default` */
  sites?: SiteConfig[]
}

const TOP_KEYS = ['listen', 'upstream', 'admin', 'trustedProxies', 'allowlist', 'alwaysAllow', 'store', 'onStoreFailure',
  'initialMode', 'maintenance', 'staged', 'bypass', 'websocket', 'shutdownGraceMs', 'publicRequestCutoffMs', 'logLevel', 'firewall',
  'healthGate', 'webhooks', 'ramp', 'workers', 'limits', 'accessLog', 'sites'] as const

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function listen (value: unknown, key: string, fallback: Listen): Listen {
  const raw = object(value, key)
  onlyKeys(raw, key, ['host', 'port'])
  const host = string(raw.host, `${key}.host`, fallback.host)
  if (isIP(host) === 0 && host !== 'localhost') fail(`${key}.host`, `must be an IP address or localhost, got ${JSON.stringify(host)}`)
  return { host, port: integer(raw.port, `${key}.port`, fallback.port, 0, 65535) }
}

/**
 * A systemd credential (`LoadCredential=NAME:FILE` in the unit): the file
 * stays readable by root alone, and systemd hands the service its own copy
 * in $CREDENTIALS_DIRECTORY.
 */
function credential (name: string, key: string, env: NodeJS.ProcessEnv): string {
  if (!/^[\w.-]+$/.test(name)) fail(key, `${JSON.stringify(name)} is not a credential name (letters, digits, ".", "-", "_")`)
  const dir = env.CREDENTIALS_DIRECTORY
  if (dir === undefined || dir === '') fail(key, `$CREDENTIALS_DIRECTORY is not set: run under systemd with LoadCredential=${name}:FILE, or set CREDENTIALS_DIRECTORY to a directory holding ${name}`)
  try {
    return readFileSync(join(dir, name), 'utf8').trim()
  } catch (err) {
    return fail(key, `cannot read the credential ${join(dir, name)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

function adminHosts (value: unknown): string[] {
  if (value === undefined || value === null) return []
  return array(value, 'admin.hosts').map((entry, i) => {
    const host = typeof entry === 'string' ? normalHost(entry) : null
    if (host === null) fail(`admin.hosts[${i}]`, `must be a host name or an address without a port, got ${JSON.stringify(entry)}`)
    return host as string
  })
}

function adminTokens (value: unknown, env: NodeJS.ProcessEnv): AdminToken[] {
  const names = new Set<string>()
  return array(value, 'admin.tokens').map((entry, i) => {
    const key = `admin.tokens[${i}]`
    const raw = object(entry, key, true)
    onlyKeys(raw, key, ['name', 'sha256', 'sha256Env', 'sha256Credential', 'tokenEnv', 'role'])
    const name = string(raw.name, `${key}.name`)
    if (names.has(name)) fail(`${key}.name`, `${JSON.stringify(name)} is used twice`)
    names.add(name)
    const role = oneOf(raw.role, `${key}.role`, ['viewer', 'operator'], 'viewer')
    const sources = ['sha256', 'sha256Env', 'sha256Credential', 'tokenEnv'].filter((k) => raw[k] !== undefined)
    if (sources.length !== 1) fail(key, 'needs exactly one of sha256, sha256Env (a variable holding the hash), sha256Credential (a systemd credential holding the hash) or tokenEnv (a variable holding the token itself)')
    let sha256: string
    if (raw.tokenEnv !== undefined) {
      const variable = string(raw.tokenEnv, `${key}.tokenEnv`)
      const token = env[variable]
      if (token === undefined || token.length < 16) fail(`${key}.tokenEnv`, `the environment variable ${variable} must hold a token of at least 16 characters`)
      sha256 = createHash('sha256').update(token).digest('hex')
    } else if (raw.sha256Credential !== undefined) {
      sha256 = credential(string(raw.sha256Credential, `${key}.sha256Credential`), `${key}.sha256Credential`, env)
    } else if (raw.sha256Env !== undefined) {
      const variable = string(raw.sha256Env, `${key}.sha256Env`)
      sha256 = string(env[variable], `${key}.sha256Env (the environment variable ${variable})`)
    } else {
      sha256 = string(raw.sha256, `${key}.sha256`)
    }
    sha256 = sha256.toLowerCase()
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${key}.sha256`, 'must be 64 hex digits (the SHA-256 of the token: printf %s TOKEN | sha256sum)')
    return { name, sha256, role }
  })
}

function cidrList (value: unknown, key: string): string[] {
  return array(value, key).map((entry, i) => {
    const text = string(entry, `${key}[${i}]`)
    try {
      return parseCidr(text).text
    } catch (err) {
      return fail(`${key}[${i}]`, (err as Error).message)
    }
  })
}

function staticAllowlist (value: unknown): Config['allowlist'] {
  const entries = array(value, 'allowlist')
  if (entries.length > MAX_ALLOWLIST_ENTRIES) {
    fail('allowlist', `has ${entries.length} entries, at most ${MAX_ALLOWLIST_ENTRIES} are allowed (static and dynamic together; the firewall helper refuses more)`)
  }
  return entries.map((entry, i) => {
    const key = `allowlist[${i}]`
    const raw = isObject(entry) ? entry : { cidr: entry }
    onlyKeys(raw, key, ['cidr', 'label'])
    const text = string(raw.cidr, `${key}.cidr`)
    let cidr: string
    try {
      cidr = parseCidr(text).text
    } catch (err) {
      return fail(`${key}.cidr`, (err as Error).message)
    }
    return { cidr, label: optionalString(raw.label, `${key}.label`) ?? '' }
  })
}

const MiB = 1024 * 1024

/** A WebSocket message size limit: at most ws's own default (100 MiB), so no message that passed before the limit existed is refused by the bound itself. */
function messageBytes (value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1024 || value > 100 * MiB) {
    fail(key, `must be a whole number of bytes from 1024 to ${100 * MiB} (1 MiB is ${MiB}), got ${JSON.stringify(value)}`)
  }
  return value
}

function store (value: unknown, env: NodeJS.ProcessEnv): StoreConfig {
  const raw = object(value, 'store')
  const type = oneOf(raw.type, 'store.type', ['file', 'redis'], 'file')
  if (type === 'redis') return { type, ...parseRedisStoreConfig(raw, 'store', env) }
  onlyKeys(raw, 'store', ['type', 'path', 'auditPath'])
  const auditPath = optionalString(raw.auditPath, 'store.auditPath')
  return { type, path: string(raw.path, 'store.path', 'var/state.json'), ...(auditPath === undefined ? {} : { auditPath }) }
}

/** Validates and defaults the whole configuration once, before anything runs. */
export function parseConfig (value: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = object(value, 'the configuration', true)
  onlyKeys(raw, '', TOP_KEYS)
  const admin = object(raw.admin, 'admin')
  onlyKeys(admin, 'admin', ['listen', 'tokens', 'hosts'])
  const alwaysAllow = object(raw.alwaysAllow, 'alwaysAllow')
  onlyKeys(alwaysAllow, 'alwaysAllow', ['paths'])
  const paths = array(alwaysAllow.paths, 'alwaysAllow.paths').map((p, i) => string(p, `alwaysAllow.paths[${i}]`))
  compilePathMatcher(paths)
  const maintenance = object(raw.maintenance, 'maintenance')
  onlyKeys(maintenance, 'maintenance', ['statusCode', 'retryAfter', 'pagesDir'])
  const staged = object(raw.staged, 'staged')
  onlyKeys(staged, 'staged', ['keyHeader', 'cookieName'])
  const bypass = object(raw.bypass, 'bypass')
  onlyKeys(bypass, 'bypass', ['cookieName', 'header'])
  const websocket = object(raw.websocket, 'websocket')
  onlyKeys(websocket, 'websocket', ['closeGraceMs', 'maxMessageBytes', 'upstreamMaxMessageBytes'])

  const keyHeader = optionalString(staged.keyHeader, 'staged.keyHeader')
  if (keyHeader !== undefined && !HEADER_NAME.test(keyHeader)) fail('staged.keyHeader', `is not a valid header name: ${JSON.stringify(keyHeader)}`)
  const stagedCookie = string(staged.cookieName, 'staged.cookieName', 'gk_id')
  const bypassCookie = string(bypass.cookieName, 'bypass.cookieName', 'gk_bypass')
  for (const [key, name] of [['staged.cookieName', stagedCookie], ['bypass.cookieName', bypassCookie]] as const) {
    if (!COOKIE_NAME.test(name)) fail(key, `is not a valid cookie name: ${JSON.stringify(name)}`)
  }
  const bypassHeader = string(bypass.header, 'bypass.header', 'x-gatekeeper-bypass').toLowerCase()
  if (!HEADER_NAME.test(bypassHeader)) fail('bypass.header', `is not a valid header name: ${JSON.stringify(bypassHeader)}`)
  const firewall = raw.firewall === undefined || raw.firewall === null ? null : object(raw.firewall, 'firewall')
  const listeners = parseListeners(raw.listen)
  const first = listeners[0] ?? fail('listen', 'needs at least one listener')
  const sites = parseSites(raw.sites, fail)
  if (sites !== null && raw.upstream !== undefined) fail('upstream', 'is refused with sites: each site has its own (sites[].upstream)')
  if (sites !== null && raw.workers !== undefined && raw.workers !== 1) fail('workers', 'must be 1 with sites: (workers serving several sites are not built yet)')
  // checked now so a bad firewall key stops start-up like any other; the firewall parses it again when it starts
  if (firewall !== null) parseFirewallConfig(firewall, 'firewall', sites?.map((site) => site.name) ?? null)
  // with sites, the process-wide nodes are those of `default`, else of the first site
  const nodes = sites === null ? parseNodesConfig(raw.upstream, fail) : (sites.find((site) => site.name === DEFAULT_SITE) ?? sites[0] as SiteConfig).nodes
  return {
    listen: { host: first.host, port: first.port },
    listeners,
    upstream: (nodes.nodes[0] as NodesConfig['nodes'][number]).url,
    nodes,
    admin: { listen: listen(admin.listen, 'admin.listen', { host: '127.0.0.1', port: 8081 }), tokens: adminTokens(admin.tokens, env), hosts: adminHosts(admin.hosts) },
    trustedProxies: cidrList(raw.trustedProxies, 'trustedProxies'),
    allowlist: staticAllowlist(raw.allowlist),
    alwaysAllow: { paths },
    store: store(raw.store, env),
    onStoreFailure: oneOf(raw.onStoreFailure, 'onStoreFailure', ['last-known', 'closed'], 'last-known'),
    initialMode: oneOf(raw.initialMode, 'initialMode', MODES, 'open'),
    maintenance: {
      statusCode: integer(maintenance.statusCode, 'maintenance.statusCode', 503, 400, 599),
      retryAfter: integer(maintenance.retryAfter, 'maintenance.retryAfter', 300, 1, 86400 * 7),
      pagesDir: string(maintenance.pagesDir, 'maintenance.pagesDir', 'maintenance-pages')
    },
    staged: { ...(keyHeader === undefined ? {} : { keyHeader: keyHeader.toLowerCase() }), cookieName: stagedCookie },
    bypass: { cookieName: bypassCookie, header: bypassHeader },
    websocket: {
      closeGraceMs: integer(websocket.closeGraceMs, 'websocket.closeGraceMs', 10000, 0, 3600000),
      maxMessageBytes: messageBytes(websocket.maxMessageBytes, 'websocket.maxMessageBytes', MiB),
      upstreamMaxMessageBytes: messageBytes(websocket.upstreamMaxMessageBytes, 'websocket.upstreamMaxMessageBytes', 100 * MiB)
    },
    shutdownGraceMs: integer(raw.shutdownGraceMs, 'shutdownGraceMs', 30000, 0, 3600000),
    publicRequestCutoffMs: integer(raw.publicRequestCutoffMs, 'publicRequestCutoffMs', 30000, 0, 3600000),
    logLevel: oneOf(raw.logLevel, 'logLevel', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    firewall,
    healthGate: parseHealthGate(raw.healthGate, fail),
    webhooks: parseWebhooks(raw.webhooks, env, fail),
    ramp: parseRampConfig(raw.ramp, fail),
    workers: integer(raw.workers, 'workers', 1, 1, 64),
    limits: parseConnectionLimits(raw.limits),
    accessLog: boolean(raw.accessLog, 'accessLog', true),
    ...(sites === null ? {} : { sites })
  }
}
