import { basename, dirname, extname, join } from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config/config.js'
import { openStore, outagePolicyOf } from '../config/open-store.js'
import { withOutagePolicy } from '../feed/outage-policy.js'
import { createStateFeed, type FeedNotifier, type StateFeed } from '../feed/state-feed.js'
import { createNodes, type Nodes } from '../nodes/nodes.js'
import type { RedisLink } from '../store/redis-connection.js'
import { createGateRuntime, type GateRuntime } from '../runtime/gate-runtime.js'
import { initialState } from '../state/initial.js'
import type { Clock } from '../reopen/clock.js'
import { createTimelineCounts, type TimelineCounts } from '../timeline/timeline-counts.js'
import { withWindowEnded } from '../timeline/window-ended.js'
import { DEFAULT_SITE, type SiteConfig } from './config.js'

/** One site's state: its gate in this process, and the feed every change to it goes through. */
export interface SiteState {
  readonly name: string
  readonly site: SiteConfig | null
  readonly runtime: GateRuntime
  readonly feed: StateFeed
  /** the site's upstream nodes, whose states its own state holds: `default`'s are the process's */
  readonly nodes: Nodes
  /** the per-minute counts of what the site's public and testers experienced: `default`'s are the process's */
  readonly timeline: TimelineCounts
}

export interface SiteStates {
  /** in configuration order; without `sites:`, `default` alone */
  readonly all: readonly SiteState[]
  get (name: string): SiteState | undefined
  /** the site the old `/v1/...` routes act on: `default`, or null when sites are configured without one */
  readonly fallback: SiteState | null
  /** the top-level state, which holds the testers of every site: `default`'s, a site or not */
  readonly top: SiteState
  /**
   * A reload's global gate settings (allowlist, alwaysAllow, trustedProxies)
   * for the sites other than `default` (whose gate is the process's own),
   * each with its own allowlist entries added.
   */
  reconfigure (next: Config): void
  close (): Promise<void>
}

/** `state.json` → `state.app1.json`, beside it: one file per site that is not `default`. */
export function siteFilePath (path: string, site: string): string {
  const ext = extname(path)
  return join(dirname(path), `${basename(path, ext)}.${site}${ext === '' ? '.json' : ext}`)
}

/**
 * Where a site other than `default` keeps its state: a file beside the
 * default one (with its own audit log), or its own Redis keys (the prefix
 * followed by `site:<name>:`). `default` stays where the state always was.
 */
export function siteStoreConfig (config: Config, site: string): Config {
  if (config.store.type === 'file') {
    const audit = config.store.auditPath ?? join(dirname(config.store.path), 'audit.jsonl')
    return { ...config, store: { type: 'file', path: siteFilePath(config.store.path, site), auditPath: siteFilePath(audit, site) } }
  }
  return { ...config, store: { ...config.store, keyPrefix: `${config.store.keyPrefix}site:${site}:`, localCopyPath: siteFilePath(config.store.localCopyPath, site) } }
}

/**
 * Opens the state of every site that is not `default` (whose state is the
 * process's own: `runtime` and `feed`). Each is versioned and changed
 * compare-and-set on its own: a change to one site never conflicts with a
 * change to another. A site's gate adds its own allowlist entries to the
 * global ones, and takes its dynamic allowlist entries and bypass tokens
 * (those valid on it) from the top-level state, following its every change.
 */
export interface MainState {
  runtime: GateRuntime
  feed: StateFeed
  /** the process's nodes; absent: made here from `config.nodes`, without health checks */
  nodes?: Nodes
  /** the webhooks of each site's changes (the events naming the site) */
  notifierOf?: (site: string) => FeedNotifier
  /** `default`'s timeline counts; each other site gets its own, beside its state */
  timeline: TimelineCounts
  clock: Clock
  /** how this instance is listed among the others (known once it listens) */
  instanceId: () => string
  /** on Redis, the instance's shared clients: every site's store and counts use them */
  redisLink?: RedisLink | null
}

export async function openSiteStates (config: Config, logger: Logger, main: MainState): Promise<SiteStates> {
  const own: Array<{ close: () => Promise<void> }> = []
  const mainNodes = main.nodes ?? createNodes(config.nodes, { current: main.runtime.current, log: logger, checks: false })
  if (main.nodes === undefined) own.push(mainNodes)
  const mainState: SiteState = { name: DEFAULT_SITE, site: config.sites?.find((site) => site.name === DEFAULT_SITE) ?? null, runtime: main.runtime, feed: main.feed, nodes: mainNodes, timeline: main.timeline }
  const all: SiteState[] = config.sites === undefined ? [mainState] : []
  try {
    for (const site of config.sites ?? []) {
      if (site.name === DEFAULT_SITE) {
        all.push(mainState)
        continue
      }
      const siteConfig = siteStoreConfig(config, site.name)
      const log = logger.child({ site: site.name })
      const store = withOutagePolicy(await openStore(siteConfig, log, main.redisLink), outagePolicyOf(siteConfig), log.child({ component: 'store' }))
      own.push(store)
      const state = await store.init(initialState(config.initialMode, ''))
      // its testers are the top-level state's: the dynamic allowlist entries and the tokens valid on this site
      const runtime = createGateRuntime({ ...config, allowlist: [...config.allowlist, ...site.allowlist] }, state, { site: site.name, access: main.runtime })
      runtime.onApplied((next, previous) => {
        log.info({ site: site.name, version: next.version, mode: next.mode, percent: next.state.percent, was: previous.mode, by: next.state.updatedBy }, 'state applied')
      })
      // its own nodes follow its own state (their in/drain/out/testers); the site's gate passes requests to them
      const nodes = createNodes(site.nodes, { current: runtime.current, log })
      own.push(nodes)
      // its own counts beside its own state; once it is open again after a window, its webhooks hear the window's summary
      const timeline = await createTimelineCounts({ config: siteConfig, clock: main.clock, current: () => runtime.current().state, logger: log.child({ component: 'timeline' }), instanceId: main.instanceId, link: main.redisLink ?? null })
      own.push(timeline)
      timeline.start()
      const siteNotifier = main.notifierOf?.(site.name)
      const notifier = siteNotifier === undefined
        ? undefined
        : withWindowEnded(siteNotifier, { readAudit: async (limit) => await store.readAudit(limit), range: timeline.range, current: () => runtime.current().state, warn: (err) => { log.warn({ err: err.message }, 'could not tell the webhooks the window ended') } })
      all.push({ name: site.name, site, runtime, feed: createStateFeed({ store, runtime, logger: log, ...(notifier === undefined ? {} : { notifier }) }), nodes, timeline })
    }
  } catch (err) {
    for (const store of own) await store.close()
    throw err
  }
  const byName = new Map(all.map((entry) => [entry.name, entry]))
  return {
    all,
    get: (name) => byName.get(name),
    fallback: byName.get(DEFAULT_SITE) ?? null,
    top: mainState,
    reconfigure (next) {
      for (const entry of all) {
        if (entry === mainState || entry.site === null) continue
        entry.runtime.reconfigure({ ...next, allowlist: [...next.allowlist, ...entry.site.allowlist] })
      }
    },
    async close () {
      for (const store of own) await store.close()
    }
  }
}
