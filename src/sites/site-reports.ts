import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { SiteReport } from '../store/instances.js'
import type { SiteStates } from './site-states.js'

/**
 * The `sites` part of this instance's report: each site's applied version
 * and its own public requests and WebSockets (each site's gate counts its
 * own), so a `?wait=` on a site is judged on that site alone. Nothing
 * without `sites:`: the report stays as it always was.
 */
export function siteReportFields (sites: SiteStates, configured: boolean): { sites?: Record<string, SiteReport> } {
  if (!configured) return {}
  const figures: Record<string, SiteReport> = {}
  for (const site of sites.all) {
    const runtime = site.runtime
    figures[site.name] = { version: runtime.current().version, inFlight: runtime.inFlight, webSockets: runtime.webSockets }
  }
  return { sites: figures }
}

/**
 * A waiting admin call elsewhere hears at once, not on the next heartbeat:
 * when a site's state is applied here, and when a site that is not open has
 * no public request or WebSocket left (nobody drains an open gate). The
 * top-level runtime (`main`) is wired by the process itself.
 */
export function reportSiteChanges (sites: SiteStates, main: GateRuntime, reportNow: () => void): void {
  for (const site of sites.all) {
    const runtime = site.runtime
    if (runtime === main) continue
    runtime.onApplied(reportNow)
    runtime.onIdle(() => { if (runtime.current().mode !== 'open') reportNow() })
  }
}
