import type { IncomingMessage } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config/config.js'
import { createNodes, type Nodes } from '../nodes/nodes.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { chooseSite, compileSiteTable } from '../sites/choose.js'
import { DEFAULT_SITE, type SiteConfig } from '../sites/config.js'
import { createAdmit } from './admit.js'
import type { SiteGate } from './door.js'
import { forwardedOptionsOf } from './forwarded-headers.js'
import type { MaintenanceReply } from './maintenance-reply.js'
import { createPublicRequests } from './public-requests.js'
import type { UpstreamObserver } from './upstream-observer.js'
import { createUpstreamPass } from './upstream-pass.js'
import { createWebSocketTracker } from './websockets.js'

export interface SiteGatesOptions {
  config: Config
  /** the gate of a site: without `sites:`, the process's one runtime */
  runtimeOf: (site: string) => GateRuntime
  /** the process-wide nodes: the upstream of `default`, else of the first site */
  nodes: Nodes
  /** the live configuration (a reload may change the cut-off and the grace period) */
  live: () => Config
  /** the maintenance answer of a site, which a reload may replace */
  maintenanceOf: (site: string) => MaintenanceReply
  logger: FastifyBaseLogger
  upstream?: UpstreamObserver
  /** a site's own nodes (its state's); absent: the primary site takes `nodes`, the others nodes of their own */
  nodesOf?: (site: string) => Nodes | undefined
  /** who hears a site's upstream answers (its health gate); absent: the primary site's go to `upstream` */
  upstreamOf?: (site: string) => UpstreamObserver | undefined
}

export interface SiteGates {
  gateOf: (request: IncomingMessage) => SiteGate | null
  all: readonly SiteGate[]
  close (): Promise<void>
}

/** The site whose upstream is the process-wide `nodes` (`config.nodes`). */
export function primarySiteOf (sites: readonly SiteConfig[]): SiteConfig {
  return sites.find((site) => site.name === DEFAULT_SITE) ?? sites[0] as SiteConfig
}

/**
 * One gate per site, each with its own decision, upstream, maintenance
 * answer and counts; and the choice of the site for each request (decision
 * step 0). Without `sites:`, the one gate `default` answers every request.
 */
export function createSiteGates (options: SiteGatesOptions): SiteGates {
  const { config, runtimeOf, nodes, live, maintenanceOf, logger } = options
  function gateFor (name: string, siteNodes: Nodes, primary: boolean): SiteGate {
    const runtime = runtimeOf(name)
    const observer = options.upstreamOf?.(name) ?? (primary ? options.upstream : undefined)
    const maintenance: MaintenanceReply = { write: (...args) => { maintenanceOf(name).write(...args) } }
    return {
      name,
      runtime,
      logged: config.sites !== undefined,
      admit: createAdmit(config, runtime),
      pass: createUpstreamPass({
        nodes: siteNodes,
        forwarded: forwardedOptionsOf(config, runtime.trustedProxies),
        log: logger,
        ...(observer === undefined ? {} : { observer })
      }),
      maintenance,
      publicRequests: createPublicRequests(runtime, () => live().publicRequestCutoffMs, logger),
      webSockets: createWebSocketTracker(runtime, () => live().websocket.closeGraceMs, logger)
    }
  }
  const sites = config.sites
  let all: SiteGate[]
  let gateOf: SiteGates['gateOf']
  if (sites === undefined) {
    const only = gateFor(DEFAULT_SITE, nodes, true)
    all = [only]
    gateOf = () => only
  } else {
    const primary = primarySiteOf(sites)
    all = sites.map((site) => {
      const own = options.nodesOf?.(site.name)
      if (own !== undefined) return gateFor(site.name, own, site === primary)
      if (site === primary) return gateFor(site.name, nodes, true)
      const siteNodes = createNodes(site.nodes, { current: runtimeOf(site.name).current, log: logger })
      return gateFor(site.name, siteNodes, false)
    })
    const byName = new Map(all.map((gate) => [gate.name, gate]))
    const table = compileSiteTable(sites)
    gateOf = (request) => {
      const name = chooseSite(table, request.headers.host, request.url ?? '/')
      return name === null ? null : byName.get(name) ?? null
    }
  }
  return {
    gateOf,
    all,
    /** each pass closes its nodes: a site's own, and the process-wide ones (whose close is idempotent) */
    async close () {
      for (const gate of all) {
        await gate.pass.close()
        gate.webSockets.close()
        gate.publicRequests.close()
      }
    }
  }
}
