import type { Logger } from 'pino'
import type { Config } from '../config/config.js'
import { parseCidr } from '../gate/cidr.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { DEFAULT_SITE } from '../sites/config.js'
import type { Mode, State } from '../state/types.js'
import type { Store } from '../store/store.js'
import { parseFirewallConfig } from './config.js'
import { createFirewall, type Firewall, type FirewallHealth, type FirewallOptions } from './firewall.js'

/** Never wait longer than this for the next expiry: setTimeout's range, and a periodic re-check. */
const MAX_WAIT_MS = 6 * 3600 * 1000

/**
 * The addresses the ports admit: the static allowlist and the dynamic
 * entries still alive, in canonical form. A stored entry that is no CIDR
 * admits nobody, at the gate as here. An entry limited to some sites opens
 * no port: the rules hold one allowlist for every port.
 */
export function firewallAllowlist (config: Pick<Config, 'allowlist'>, state: State, now: number): { allowlist: string[], nextExpiry: number } {
  const allowlist = config.allowlist.map((entry) => entry.cidr)
  let nextExpiry = Infinity
  for (const entry of state.allowlist) {
    if (entry.sites !== undefined) continue
    const expiresAt = entry.expiresAt === undefined ? Infinity : Date.parse(entry.expiresAt)
    if (expiresAt <= now) continue
    const cidr = canonicalCidr(entry.cidr)
    if (cidr === null) continue
    allowlist.push(cidr)
    if (expiresAt < nextExpiry) nextExpiry = expiresAt
  }
  return { allowlist, nextExpiry }
}

function canonicalCidr (text: string): string | null {
  try {
    return parseCidr(text).text
  } catch {
    return null
  }
}

/** The sites whose ports the firewall follows: each one's mode, and word of each change to it. */
export interface FirewallSites {
  readonly all: ReadonlyArray<{ readonly name: string, readonly runtime: Pick<GateRuntime, 'current' | 'onApplied'> }>
}

export interface FirewallFollower {
  /** Renders the gate in force into the rules; the state feed calls it after each state the runtime takes. */
  sync (): void
  /**
   * Makes the ports that name a site (`ports[].site`) follow that site's
   * state from now on. Until it is called, a firewall with such ports
   * applies nothing: the rules in place (the last run's, or the helper's
   * closed start) stay, rather than close an open site's ports for a moment.
   */
  followSites (sites: FirewallSites): void
  health (): FirewallHealth | null
  close (): Promise<void>
}

/**
 * Keeps the non-HTTP ports in step with the gate: every state the feed tells
 * this instance (see src/feed/), and every allowlist expiry, is rendered
 * into the rules. A failed
 * apply fails closed (see applyState), and is logged, reported in /healthz
 * and noted in the audit log.
 */
export function followStateWithFirewall (config: Config, runtime: GateRuntime, store: Pick<Store, 'note'>, logger: Logger, options: FirewallOptions = {}): FirewallFollower {
  const firewallConfig = parseFirewallConfig(config.firewall, 'firewall', config.sites?.map((site) => site.name) ?? null)
  if (firewallConfig === null || !firewallConfig.enabled) return { sync: () => {}, followSites: () => {}, health: () => null, close: async () => {} }
  const firewall: Firewall = createFirewall(firewallConfig, logger, options)
  let expiryTimer: NodeJS.Timeout | undefined
  let lastError: string | undefined
  const portSites = new Set(firewallConfig.ports.flatMap((port) => port.site === undefined || port.site === DEFAULT_SITE ? [] : [port.site]))
  // null until the sites are known (never, when no port names a site other than default)
  let sites: FirewallSites | null = null
  const ready = (): boolean => portSites.size === 0 || sites !== null

  function siteModes (): Record<string, Mode> {
    const modes: Record<string, Mode> = {}
    for (const entry of sites?.all ?? []) if (portSites.has(entry.name)) modes[entry.name] = entry.runtime.current().mode
    return modes
  }

  function sync (): void {
    if (!ready()) return
    const state = runtime.current().state
    // the runtime's: a reload may have changed the configured allowlist since start-up
    const { allowlist, nextExpiry } = firewallAllowlist({ allowlist: runtime.staticAllowlist }, state, Date.now())
    if (expiryTimer !== undefined) clearTimeout(expiryTimer)
    expiryTimer = undefined
    if (nextExpiry !== Infinity) {
      expiryTimer = setTimeout(sync, Math.min(Math.max(nextExpiry - Date.now() + 10, 10), MAX_WAIT_MS))
      expiryTimer.unref()
    }
    const input = { mode: state.mode, allowlist, ...(portSites.size === 0 ? {} : { sites: siteModes() }) }
    firewall.sync(input).then((result) => {
      if (result.ok) {
        lastError = undefined
        return
      }
      if (result.error === lastError) return
      lastError = result.error
      const failedClosed = result.failedClosed === true
      logger.error({ error: result.error, failedClosed }, failedClosed
        ? 'the firewall rules could not be applied; the protected ports failed closed (nobody but alwaysAllow)'
        : 'the firewall rules could not be applied')
      store.note({ actor: 'gatekeeper', ip: '', action: 'firewall.failed' }, { error: result.error, failedClosed, mode: state.mode, version: state.version, ...(input.sites === undefined ? {} : { sites: input.sites }) })
        .catch(() => {})
    }, () => {})
  }

  sync()
  return {
    sync,
    followSites (next) {
      // without a port that names a site, the rules follow the top-level state alone: nothing to apply again
      if (sites !== null || portSites.size === 0) return
      sites = next
      for (const entry of next.all) {
        if (portSites.has(entry.name)) entry.runtime.onApplied(sync)
      }
      sync()
    },
    health: () => firewall.health(),
    async close () {
      if (expiryTimer !== undefined) clearTimeout(expiryTimer)
      await firewall.close()
    }
  }
}
