import type { Mode, State } from '../state/types.js'
import { thresholdOf } from './bucket.js'
import { parseCidr, type Cidr } from './cidr.js'
import { createIpSet, unionOf, type AddressSet } from './ip-set.js'
import { createRangeSet } from './range-set.js'
import { compilePathMatcher } from './path.js'
import { allowEntryValidOn, tokenValidOn, type AccessState } from './site-access.js'

/** What the gate needs from the configuration; fixed for the life of the process. */
export interface GateConfig {
  /** canonical CIDRs from the config file: they never expire */
  staticAllowlist: readonly string[]
  alwaysAllowPaths: readonly string[]
}

/**
 * The state compiled for the request path: every lookup a request makes is
 * prepared here once per change, so a decision allocates nothing it can avoid.
 */
export interface GateSnapshot {
  readonly version: number
  readonly mode: Mode
  /** staged: a bucket below this passes */
  readonly threshold: number
  readonly seed: string
  /** the configuration's blocks (compiled once) and the state's */
  readonly allowlist: AddressSet
  /** bypass token hash → expiry (epoch ms) */
  readonly tokens: ReadonlyMap<string, number>
  /** null when no path is always allowed, so the common case costs nothing */
  readonly alwaysAllow: ((rawUrl: string) => boolean) | null
  readonly state: State
  /** where the dynamic allowlist and the tokens came from: `state`, or the top-level state for a site's gate */
  readonly access: AccessState
  /** the site whose gate this is (`default` without sites) */
  readonly site: string
}

/** Whose gate a snapshot is, and where its testers come from (default: `default`, and the state itself). */
export interface SnapshotAccess {
  site?: string
  access?: AccessState
}

/** What the configuration compiles to, once for the life of the process. */
export interface CompiledGateConfig extends GateConfig {
  matcher?: ((rawUrl: string) => boolean) | null
  staticSet?: AddressSet
}

/** The configured blocks never expire: merged ranges, which cost the collector nothing however many there are. */
function staticSetOf (allowlist: readonly string[]): AddressSet {
  return createRangeSet(allowlist.map((cidr) => parseCidr(cidr)))
}

/**
 * The configuration's part of the gate, compiled once: however long the
 * configured allowlist, a change of state does not build it again.
 */
export function compileGateConfig (allowlist: readonly string[], paths: readonly string[]): CompiledGateConfig & { matcher: ((rawUrl: string) => boolean) | null, staticSet: AddressSet } {
  return { staticAllowlist: allowlist, alwaysAllowPaths: paths, matcher: paths.length === 0 ? null : compilePathMatcher([...paths]), staticSet: staticSetOf(allowlist) }
}

/**
 * The state compiled for the gate of `site`. Its testers are those of
 * `access` (the top-level state, for a site's gate): the dynamic allowlist
 * entries and the tokens valid on this site.
 */
export function compileSnapshot (state: State, config: CompiledGateConfig, options: SnapshotAccess = {}): GateSnapshot {
  const site = options.site ?? 'default'
  const access: AccessState = options.access ?? state
  const dynamic = createIpSet()
  for (const entry of access.allowlist) {
    if (!allowEntryValidOn(entry, site)) continue
    let cidr: Cidr
    try {
      cidr = parseCidr(entry.cidr)
    } catch {
      // the API validates every entry before it is stored; a bad one read back admits nobody
      continue
    }
    dynamic.add(cidr, entry.expiresAt === undefined ? Infinity : Date.parse(entry.expiresAt))
  }
  const allowlist = unionOf(config.staticSet ?? staticSetOf(config.staticAllowlist), dynamic)
  const tokens = new Map<string, number>()
  for (const token of access.tokens) {
    if (tokenValidOn(token, site)) tokens.set(token.sha256, Date.parse(token.expiresAt))
  }
  const alwaysAllow = config.matcher !== undefined
    ? config.matcher
    : (config.alwaysAllowPaths.length === 0 ? null : compilePathMatcher([...config.alwaysAllowPaths]))
  return {
    version: state.version,
    mode: state.mode,
    threshold: state.mode === 'staged' ? thresholdOf(state.percent) : 0,
    seed: state.seed,
    allowlist,
    tokens,
    alwaysAllow,
    state,
    access: { allowlist: access.allowlist, tokens: access.tokens },
    site
  }
}
