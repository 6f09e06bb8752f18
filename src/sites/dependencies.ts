import type { Notifier } from '../notify/notifier.js'
import { eventOf } from '../notify/events.js'
import type { DriverLog, SiteDependencies } from '../reopen/state-driver.js'
import { withFlag } from '../state/flags.js'
import type { SiteConfig } from './config.js'
import type { SiteStates } from './site-states.js'

/**
 * A site's `dependsOn` as its ramp and schedule drivers see it: which of
 * them are closed now, and word of any change of their modes. Undefined for
 * a site that depends on nothing (its drivers then never hold).
 */
export function siteDependencies (sites: Pick<SiteStates, 'get'>, name: string): SiteDependencies | undefined {
  const dependsOn = sites.get(name)?.site?.dependsOn ?? []
  if (dependsOn.length === 0) return undefined
  return {
    closed: () => dependsOn.filter((dep) => sites.get(dep)?.runtime.current().mode === 'closed'),
    onChange (listener) {
      for (const dep of dependsOn) {
        sites.get(dep)?.runtime.onApplied((applied, previous) => { if (applied.mode !== previous.mode) listener() })
      }
    }
  }
}

/** A site that depends on `name`, directly (`via` empty) or through the sites in `via`. */
export interface Dependent {
  name: string
  via: string[]
}

/** Every site that depends on `name`, nearest first, each once, by the shortest path (configuration order breaks ties). */
export function dependentsOf (sites: readonly Pick<SiteConfig, 'name' | 'dependsOn'>[], name: string): Dependent[] {
  const found: Dependent[] = []
  const seen = new Set([name])
  const queue: Dependent[] = [{ name, via: [] }]
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const reached = next
    for (const site of sites) {
      if (seen.has(site.name) || !site.dependsOn.includes(reached.name)) continue
      seen.add(site.name)
      const dependent = { name: site.name, via: reached.name === name ? [] : [...reached.via, reached.name] }
      found.push(dependent)
      queue.push(dependent)
    }
  }
  return found
}

/** What the health gate did to a site: aborted its ramp or closed its staging, and why. */
export interface HealthAbort {
  acted: 'abort' | 'close'
  reasons: string[]
  at: string
}

export interface DependentFlaggerOptions {
  sites: SiteStates
  /** the site whose health gate this is */
  site: string
  notifier: Pick<Notifier, 'publish'>
  log: DriverLog
}

/**
 * When a site's health gate aborts it, each site that depends on it is
 * flagged (`dependency-aborted`, in its state), audited (`dependency.aborted`,
 * in its log) and told to the webhooks (`dependency.aborted`). Its mode is
 * left as it is: closing it stays the operator's decision.
 */
export function dependentFlagger (options: DependentFlaggerOptions): ((abort: HealthAbort) => Promise<void>) | undefined {
  const { sites, site, notifier, log } = options
  const configs = sites.all.flatMap((entry) => entry.site === null ? [] : [entry.site])
  if (dependentsOf(configs, site).length === 0) return undefined
  return async (abort) => {
    for (const dependent of dependentsOf(configs, site)) {
      const target = sites.get(dependent.name)
      if (target === undefined) continue
      const flag = { kind: 'dependency-aborted' as const, site, ...(dependent.via.length === 0 ? {} : { via: dependent.via }), at: abort.at, reasons: abort.reasons }
      const ctx = { actor: 'gatekeeper', ip: '', action: 'dependency.aborted', site: dependent.name }
      try {
        const state = await target.feed.update(ctx, (current) => withFlag(current, flag))
        log.warn({ site: dependent.name, dependency: site, via: dependent.via, mode: state.mode }, 'a site this one depends on was closed by its health gate: flagged, mode unchanged')
        notifier.publish([eventOf('dependency.aborted', state, ctx, { site: dependent.name, dependency: site, via: dependent.via, acted: abort.acted, reasons: abort.reasons, at: abort.at })])
      } catch (err) {
        log.warn({ site: dependent.name, err: (err as Error).message }, 'could not flag a dependent site')
      }
    }
  }
}
