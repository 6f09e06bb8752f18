import type { Mode, State } from '../state/types.js'
import { thresholdOf } from './bucket.js'
import { parseCidr, type Cidr } from './cidr.js'
import { createIpSet, type IpSet } from './ip-set.js'
import { compilePathMatcher } from './path.js'

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
  readonly allowlist: IpSet
  /** bypass token hash → expiry (epoch ms) */
  readonly tokens: ReadonlyMap<string, number>
  /** null when no path is always allowed, so the common case costs nothing */
  readonly alwaysAllow: ((rawUrl: string) => boolean) | null
  readonly state: State
}

export function compileGateConfig (allowlist: readonly string[], paths: readonly string[]): GateConfig & { matcher: ((rawUrl: string) => boolean) | null } {
  return { staticAllowlist: allowlist, alwaysAllowPaths: paths, matcher: paths.length === 0 ? null : compilePathMatcher([...paths]) }
}

export function compileSnapshot (state: State, config: GateConfig & { matcher?: ((rawUrl: string) => boolean) | null }): GateSnapshot {
  const allowlist = createIpSet()
  for (const cidr of config.staticAllowlist) allowlist.add(parseCidr(cidr))
  for (const entry of state.allowlist) {
    let cidr: Cidr
    try {
      cidr = parseCidr(entry.cidr)
    } catch {
      // the API validates every entry before it is stored; a bad one read back admits nobody
      continue
    }
    allowlist.add(cidr, entry.expiresAt === undefined ? Infinity : Date.parse(entry.expiresAt))
  }
  const tokens = new Map<string, number>()
  for (const token of state.tokens) tokens.set(token.sha256, Date.parse(token.expiresAt))
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
    state
  }
}
