import { isAbsolute } from 'node:path'
import { array, boolean, fail, integer, object, oneOf, onlyKeys, string } from '../input/config-checks.js'
import { isGatekeeperError } from '../errors.js'
import { parseCidr } from '../gate/cidr.js'
import { DEFAULT_SITE } from '../sites/config.js'
import { gidOf, uidOf } from './system-users.js'

export type PortProto = 'tcp' | 'udp'
export type WhenClosed = 'allowlist-only' | 'drop'
export type WhenOpen = 'open' | 'allowlist-only'
export type ApplyVia = 'direct' | 'helper'

export interface ProtectedPort {
  port: number
  proto: PortProto
  /** the rule in every mode but `open` (staged and read-only close the ports too) */
  whenClosed: WhenClosed
  whenOpen: WhenOpen
  /**
   * Sources that reach this port in every mode, e.g. the application's own
   * connection to its database: putting the app server in the shared
   * allowlist would also let its requests through the HTTP gate.
   */
  alwaysAllow: string[]
  /**
   * The site whose state this port follows (`sites[].name`); absent, the
   * top-level state, `default`'s.
   */
  site?: string
}

export interface UpstreamPortGuard {
  port: number
  /** the users whose processes may connect to the upstream's port over loopback */
  allowUids: number[]
}

export interface FirewallConfig {
  enabled: boolean
  /** names Gatekeeper's chains: `<prefix>-INPUT`, `<prefix>-OUTPUT` */
  chainPrefix: string
  ports: ProtectedPort[]
  upstreamPort: UpstreamPortGuard | null
  apply: ApplyVia
  helperSocket: string
  /** the group that may use the helper's socket; null keeps the helper's own group */
  helperGroup: number | null
}

export const DEFAULT_CHAIN_PREFIX = 'GATEKEEPER'
export const DEFAULT_HELPER_SOCKET = '/run/gatekeeper/firewall.sock'

// iptables chain names hold 28 characters; the longest suffix is `-OUTPUT`
const CHAIN_PREFIX = /^[A-Za-z][A-Za-z0-9_]{0,19}$/
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/i

/**
 * Validates and defaults the `firewall` key. Absent (undefined or null)
 * means the firewall is off and Gatekeeper never touches iptables.
 * `siteNames` are the configured `sites:` (null without them), which a
 * port's `site` must name.
 */
export function parseFirewallConfig (raw: unknown, path = 'firewall', siteNames: readonly string[] | null = null): FirewallConfig | null {
  if (raw === undefined || raw === null) return null
  const value = object(raw, path)
  onlyKeys(value, path, ['enabled', 'chainPrefix', 'ports', 'upstreamPort', 'apply', 'helperSocket', 'helperGroup'])

  const chainPrefix = string(value.chainPrefix, `${path}.chainPrefix`, DEFAULT_CHAIN_PREFIX)
  if (!CHAIN_PREFIX.test(chainPrefix)) fail(`${path}.chainPrefix`, `must be a letter then up to 19 letters, digits or _, got ${JSON.stringify(chainPrefix)}`)

  if (value.apply === undefined) {
    fail(`${path}.apply`, 'is required: "helper" (the privileged gatekeeper-firewall service applies the rules) or "direct" (this process runs iptables-restore itself and needs CAP_NET_ADMIN)')
  }
  const apply = oneOf<ApplyVia>(value.apply, `${path}.apply`, ['direct', 'helper'], 'helper')

  const ports = array(value.ports, `${path}.ports`).map((entry, i) => parsePort(entry, `${path}.ports[${i}]`, siteNames))
  const seen = new Set<string>()
  ports.forEach((port, i) => {
    const id = `${port.port}/${port.proto}`
    if (seen.has(id)) fail(`${path}.ports[${i}]`, `${id} is listed twice`)
    seen.add(id)
  })

  const upstreamPort = value.upstreamPort === undefined || value.upstreamPort === null
    ? null
    : parseUpstreamPort(value.upstreamPort, `${path}.upstreamPort`, apply)
  if (upstreamPort !== null && seen.has(`${upstreamPort.port}/tcp`)) {
    fail(`${path}.upstreamPort.port`, `${upstreamPort.port}/tcp is also in ${path}.ports: the upstream's port is only ever open to the gatekeeper, so list it in one place`)
  }

  const enabled = boolean(value.enabled, `${path}.enabled`, true)
  if (enabled && ports.length === 0 && upstreamPort === null) fail(path, 'is enabled but protects nothing: list ports, or an upstreamPort')

  const helperSocket = string(value.helperSocket, `${path}.helperSocket`, DEFAULT_HELPER_SOCKET)
  if (!isAbsolute(helperSocket)) fail(`${path}.helperSocket`, `must be an absolute path, got ${JSON.stringify(helperSocket)}`)

  const helperGroup = value.helperGroup === undefined || value.helperGroup === null
    ? null
    : idOrName(value.helperGroup, `${path}.helperGroup`, 'group', gidOf)

  return { enabled, chainPrefix, ports, upstreamPort, apply, helperSocket, helperGroup }
}

function parsePort (raw: unknown, key: string, siteNames: readonly string[] | null): ProtectedPort {
  const value = object(raw, key, true)
  onlyKeys(value, key, ['port', 'proto', 'whenClosed', 'whenOpen', 'alwaysAllow', 'site'])
  if (value.port === undefined) fail(`${key}.port`, 'is required')
  const site = siteOf(value.site, `${key}.site`, siteNames)
  return {
    port: integer(value.port, `${key}.port`, 0, 1, 65535),
    proto: oneOf<PortProto>(value.proto, `${key}.proto`, ['tcp', 'udp'], 'tcp'),
    whenClosed: oneOf<WhenClosed>(value.whenClosed, `${key}.whenClosed`, ['allowlist-only', 'drop'], 'allowlist-only'),
    whenOpen: oneOf<WhenOpen>(value.whenOpen, `${key}.whenOpen`, ['open', 'allowlist-only'], 'open'),
    alwaysAllow: array(value.alwaysAllow, `${key}.alwaysAllow`).map((cidr, i) => cidrText(cidr, `${key}.alwaysAllow[${i}]`)),
    ...(site === undefined ? {} : { site })
  }
}

/**
 * A port's site: one of `sites:`, or `default` (the only site without
 * them). With sites and none named `default`, a port without a site would
 * follow a state no site shows, so every port must name one.
 */
function siteOf (raw: unknown, key: string, siteNames: readonly string[] | null): string | undefined {
  const known = siteNames === null ? 'without sites:, the one site is default' : `sites: ${siteNames.join(', ')}`
  if (raw === undefined || raw === null) {
    if (siteNames !== null && !siteNames.includes(DEFAULT_SITE)) fail(key, `is required with sites: and no site named default: name the site whose state the port follows (${known})`)
    return undefined
  }
  if (typeof raw !== 'string') fail(key, `must be a site name, got ${JSON.stringify(raw)}`)
  if (!(siteNames ?? [DEFAULT_SITE]).includes(raw)) fail(key, `${JSON.stringify(raw)} is not a site (${known})`)
  return raw
}

function parseUpstreamPort (raw: unknown, key: string, apply: ApplyVia): UpstreamPortGuard {
  const value = object(raw, key, true)
  onlyKeys(value, key, ['port', 'allowUids'])
  if (value.port === undefined) fail(`${key}.port`, 'is required')
  const port = integer(value.port, `${key}.port`, 0, 1, 65535)
  if (value.allowUids === undefined) {
    // the helper runs as root and cannot tell which user the proxy runs as
    if (apply === 'helper') fail(`${key}.allowUids`, 'is required with apply: helper; give the user the gatekeeper proxy runs as, e.g. [gatekeeper]')
    return { port, allowUids: [currentUid()] }
  }
  const users = array(value.allowUids, `${key}.allowUids`)
  if (users.length === 0) fail(`${key}.allowUids`, 'must name at least one user: nobody could reach the upstream')
  const allowUids = users.map((user, i) => idOrName(user, `${key}.allowUids[${i}]`, 'user', uidOf))
  return { port, allowUids: [...new Set(allowUids)] }
}

function cidrText (raw: unknown, key: string): string {
  if (typeof raw !== 'string') fail(key, `must be a CIDR such as 10.0.0.7/32, got ${JSON.stringify(raw)}`)
  try {
    return parseCidr(raw).text
  } catch (err) {
    if (isGatekeeperError(err)) fail(key, err.message)
    throw err
  }
}

function idOrName (raw: unknown, key: string, kind: 'user' | 'group', lookup: (name: string) => number | null): number {
  if (typeof raw === 'number') return integer(raw, key, 0, 0, 0xfffffffe)
  if (typeof raw !== 'string' || !USER_NAME.test(raw)) fail(key, `must be a ${kind} name or a numeric id, got ${JSON.stringify(raw)}`)
  const id = lookup(raw)
  if (id === null) fail(key, `no ${kind} named ${JSON.stringify(raw)} on this machine`)
  return id
}

function currentUid (): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0
}
