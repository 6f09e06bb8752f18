import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { parseConfig } from '../../src/config/config.js'
import type { Clock } from '../../src/reopen/clock.js'
import type { State } from '../../src/state/types.js'
import { createManualClock, type ManualClock } from './manual-clock.js'
import { startGatekeeper } from '../../src/server.js'
import { startSampleUpstream } from '../../src/sample/sample-upstream.js'
import { adminClient, rawConfig, tempDir, TEST_ENV, type Harness } from './harness.js'

interface Teardown { teardown (fn: () => unknown): void }

/** An upstream that answers every request with its own name and the target: which site's application was reached. */
export async function namedUpstream (t: Teardown, name: string): Promise<string> {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`${name} ${req.url ?? ''}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

export interface SitesHarnessOptions {
  /** more top-level configuration (initialMode, webhooks, healthGate, …) */
  extra?: Record<string, unknown>
  env?: NodeJS.ProcessEnv
  /** a clock the test drives (ramps, schedules, the health gate) */
  clock?: Clock
}

/**
 * A gatekeeper configured with `sites:` (and no top-level upstream), in a
 * fresh directory, in front of the sample application: `sites` is given the
 * sample's URL to put where a site needs an upstream.
 */
export async function startSitesHarness (t: Teardown, sites: (upstreamUrl: string) => Array<Record<string, unknown>>, options: SitesHarnessOptions = {}): Promise<Harness> {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const dir = tempDir(t)
  const raw = rawConfig(dir, '', options.extra)
  delete raw.upstream
  raw.sites = sites(upstream.url)
  const config = parseConfig(raw, options.env ?? TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }), ...(options.clock === undefined ? {} : { clock: options.clock }) })
  t.teardown(() => gk.close())
  return { gk, upstream, dir, config, admin: adminClient(gk.adminUrl) }
}

/** A site's state as this gatekeeper holds it; a site that is not configured fails the test. */
export function siteStateOf (gk: Harness['gk'], site: string): State {
  const found = gk.sites.get(site)
  if (found === undefined) throw new Error(`no site ${site}`)
  return found.runtime.current().state
}

/**
 * `default` (on portal.test) depending on `app2` (on app2.test), in
 * `initialMode`, on a clock the test drives; `state()` is default's.
 */
export async function startDependentPair (t: Teardown, initialMode: 'open' | 'closed'): Promise<{ h: Harness, clock: ManualClock, state: () => State }> {
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['portal.test'], upstream: url, dependsOn: ['app2'] },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ], { clock, extra: { initialMode } })
  return { h, clock, state: () => h.gk.runtime.current().state }
}
