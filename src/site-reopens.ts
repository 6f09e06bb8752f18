import type { Logger } from 'pino'
import type { Config } from './config/config.js'
import type { HealthSource } from './health/gate.js'
import type { HealthRecorder } from './health/recorder.js'
import type { Notifier } from './notify/notifier.js'
import type { DependencyOptions, Reopen, SiteReopenInput } from './reopen-services.js'
import { DEFAULT_SITE } from './sites/config.js'
import { dependentFlagger, siteDependencies } from './sites/dependencies.js'
import type { SiteStates } from './sites/site-states.js'
import type { Lease } from './state/lease.js'

export interface SiteReopensOptions {
  config: Config
  sites: SiteStates
  notifier: Pick<Notifier, 'publish'>
  logger: Logger
  /** the lease under which a site's ramps and schedules are driven by one instance at a time */
  leaseOf: (site: string) => Lease
  /** where a site's health gate reads its figures (every instance's, merged) */
  healthSourceOf: (site: string) => (own: HealthRecorder) => HealthSource
}

/** What createReopen takes for the sites: `default`'s dependency options, and every site's own drivers' inputs. */
export interface SiteReopens {
  main: DependencyOptions
  /** with `sites:` only */
  sites?: SiteReopenInput[]
}

/**
 * Each site drives its own ramps and schedules (its own lease) and judges
 * its own upstream; its ramp steps and scheduled openings hold while a site
 * it depends on is closed, and its health gate's aborts flag the sites that
 * depend on it.
 */
export function siteReopens (options: SiteReopensOptions): SiteReopens {
  const { config, sites, notifier, logger } = options
  const dependencyOptions = (site: string): DependencyOptions => {
    const dependencies = siteDependencies(sites, site)
    const flagDependents = dependentFlagger({ sites, site, notifier, log: logger.child({ component: 'reopen', site }) })
    return { ...(dependencies === undefined ? {} : { dependencies }), ...(flagDependents === undefined ? {} : { flagDependents }) }
  }
  if (config.sites === undefined) return { main: dependencyOptions(DEFAULT_SITE) }
  return {
    main: dependencyOptions(DEFAULT_SITE),
    sites: sites.all.map((site) => ({
      name: site.name,
      runtime: site.runtime,
      store: site.feed,
      lease: options.leaseOf(site.name),
      healthSource: options.healthSourceOf(site.name),
      nodes: () => site.nodes.list(),
      ...dependencyOptions(site.name)
    }))
  }
}

/** The health windows of the sites other than default that are staged, for the other instances' health gates to merge. */
export function siteHealthOf (sites: SiteStates, reopen: Reopen, now: number): { siteHealth?: Record<string, unknown> } {
  const windows: Record<string, unknown> = {}
  for (const site of sites.all) {
    if (site.name === DEFAULT_SITE || site.runtime.current().mode !== 'staged') continue
    const gate = reopen.gateOf(site.name)
    if (gate !== undefined) windows[site.name] = gate.health.window(now)
  }
  return Object.keys(windows).length === 0 ? {} : { siteHealth: windows }
}
