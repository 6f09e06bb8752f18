import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'
import type { Decision, Reason } from '../gate/decide.js'
import type { HealthVerdict } from '../health/evaluate.js'
import type { HealthCounts } from '../health/window.js'
import { LATENCY_BOUNDS_MS, STATUS_CLASSES } from '../health/window.js'
import type { NotifierStats } from '../notify/notifier.js'
import { runningRamp } from '../reopen/ramp.js'
import { MODES, type State } from '../state/types.js'
import type { StoreHealth } from '../store/store.js'
import { packageVersion } from './build-info.js'
import { registerSnapshotHistogram } from './snapshot-histogram.js'

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE

const PASS_REASONS: readonly Reason[] = ['always-allow', 'open', 'allowlist', 'bypass', 'read-only-safe', 'staged-admitted']
const HOLD_REASONS: readonly Reason[] = ['closed', 'read-only-unsafe', 'staged-waiting']

/** What /metrics reads when it is scraped; none of it is touched by a request. */
export interface MetricsSources {
  state: () => State
  store: () => { kind: string, health: StoreHealth }
  inFlight: () => { requests: number, webSockets: number }
  upstream: () => HealthCounts
  healthGate: () => { verdict: HealthVerdict | null, trips: number }
  webhooks: () => NotifierStats
  /** each application node's counts on this instance; absent: none reported */
  nodes?: () => ReadonlyArray<{ name: string, health: string, inFlight: number, requests: number, errors: number }>
  /**
   * With `sites:`: each site's state, upstream answers, health gate and
   * nodes, in configuration order. The gate's families then carry a `site`
   * label, one sample per site; without it, they are as they always were.
   */
  sites?: () => readonly SiteMetricsSources[]
}

/** What the gate's families read of one site. */
export interface SiteMetricsSources {
  name: string
  state: () => State
  upstream: () => HealthCounts
  healthGate: () => { verdict: HealthVerdict | null, trips: number }
  nodes?: MetricsSources['nodes']
}

export interface Metrics {
  /** On the request path: one increment, no prom-client call. */
  /** one public request's decision; with `sites:`, counted under its site */
  recordDecision (decision: Decision, site?: string): void
  /** The text format for a scrape. */
  text (): Promise<string>
}

type Labels = Record<string, string>
type Samples = number | ReadonlyArray<readonly [Labels, number]>

function samplesOf (read: Samples): ReadonlyArray<readonly [Labels, number]> {
  return typeof read === 'number' ? [[{}, read]] : read
}

/**
 * The counts are kept as plain numbers where they happen; these families
 * only read them when Prometheus scrapes, through prom-client's collect().
 */
function gauge (registry: Registry, name: string, help: string, read: () => Samples, labelNames: readonly string[] = []): void {
  registry.registerMetric(new Gauge({
    name,
    help,
    labelNames,
    registers: [],
    collect () {
      this.reset()
      for (const [labels, value] of samplesOf(read())) this.set(labels, value)
    }
  }))
}

function counter (registry: Registry, name: string, help: string, read: () => Samples, labelNames: readonly string[] = []): void {
  registry.registerMetric(new Counter({
    name,
    help,
    labelNames,
    registers: [],
    collect () {
      this.reset()
      for (const [labels, value] of samplesOf(read())) this.inc(labels, value)
    }
  }))
}

function newDecisionCounts (): Record<Reason, number> {
  return {
    'always-allow': 0,
    open: 0,
    allowlist: 0,
    bypass: 0,
    'read-only-safe': 0,
    'staged-admitted': 0,
    closed: 0,
    'read-only-unsafe': 0,
    'staged-waiting': 0
  }
}

/**
 * One registry per gatekeeper (never prom-client's global one), so two
 * instances in one process keep their own figures. It holds prom-client's
 * default process_* and nodejs_* metrics (of this process: with workers,
 * the primary's) and Gatekeeper's own.
 */
export function createMetrics (sources: MetricsSources): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const decisions = newDecisionCounts()

  // the gate's families: one sample per site (labelled) with `sites:`, else the process's one state
  const bySite = sources.sites
  const siteLabelled = (names: readonly string[] = []): readonly string[] => bySite === undefined ? names : ['site', ...names]
  const own: SiteMetricsSources = { name: '', state: sources.state, upstream: sources.upstream, healthGate: sources.healthGate, ...(sources.nodes === undefined ? {} : { nodes: sources.nodes }) }
  const each = (read: (site: SiteMetricsSources) => Samples): () => Samples => () => {
    if (bySite === undefined) return read(own)
    return bySite().flatMap((site) => samplesOf(read(site)).map(([labels, value]) => [{ site: site.name, ...labels }, value] as const))
  }

  const build = { version: packageVersion(), node: process.version }
  gauge(registry, 'gatekeeper_build_info', 'The running Gatekeeper: always 1, its version and Node.js\'s in the labels.',
    () => [[build, 1]], ['version', 'node'])

  // with `sites:`, one set of counts per site (a site not yet seen counts 0)
  const siteDecisions = new Map<string, Record<Reason, number>>()
  const countsOf = (site: string | undefined): Record<Reason, number> => {
    if (bySite === undefined || site === undefined) return decisions
    let counts = siteDecisions.get(site)
    if (counts === undefined) {
      counts = newDecisionCounts()
      siteDecisions.set(site, counts)
    }
    return counts
  }
  const decisionSamples = (counts: Record<Reason, number>): ReadonlyArray<readonly [Labels, number]> => [
    ...PASS_REASONS.map((reason) => [{ decision: 'pass', reason }, counts[reason]] as const),
    ...HOLD_REASONS.map((reason) => [{ decision: 'hold', reason }, counts[reason]] as const)
  ]
  counter(registry, 'gatekeeper_requests_total', 'Public requests by the gate\'s decision and its reason.',
    each((site) => decisionSamples(countsOf(site.name))), siteLabelled(['decision', 'reason']))

  gauge(registry, 'gatekeeper_mode', 'The mode in force: 1 for the current mode, 0 for the others.',
    each((site) => MODES.map((mode) => [{ mode }, site.state().mode === mode ? 1 : 0] as const)), siteLabelled(['mode']))
  gauge(registry, 'gatekeeper_admitted_ratio', 'The share of the public the state admits, from 0 to 1 (1 when open, 0 when closed or read-only).',
    each((site) => site.state().percent / 100), siteLabelled())
  gauge(registry, 'gatekeeper_percent', 'The state\'s percent: the share of the public admitted while staged (100 when open); gatekeeper_admitted_ratio is the same as a ratio.',
    each((site) => site.state().percent), siteLabelled())
  gauge(registry, 'gatekeeper_state_version', 'The version of the state this instance serves.', each((site) => site.state().version), siteLabelled())

  const ramp = (site: SiteMetricsSources): ReturnType<typeof runningRamp> => runningRamp(site.state())
  gauge(registry, 'gatekeeper_ramp_running', '1 while a ramp is running (paused included).', each((site) => ramp(site) === undefined ? 0 : 1), siteLabelled())
  gauge(registry, 'gatekeeper_ramp_paused', '1 while the running ramp is paused.', each((site) => ramp(site)?.paused === true ? 1 : 0), siteLabelled())
  gauge(registry, 'gatekeeper_ramp_step', 'The running ramp\'s current step, counted from 1; 0 without a ramp.', each((site) => {
    const running = ramp(site)
    return running === undefined ? 0 : running.index + 1
  }), siteLabelled())
  gauge(registry, 'gatekeeper_ramp_steps', 'How many steps the running ramp has; 0 without a ramp.', each((site) => ramp(site)?.steps.length ?? 0), siteLabelled())
  gauge(registry, 'gatekeeper_ramp_next_step_timestamp_seconds', 'When the running ramp takes its next step (Unix time); 0 when paused or without a ramp.', each((site) => {
    const nextAt = ramp(site)?.nextAt
    return nextAt === undefined ? 0 : Date.parse(nextAt) / 1000
  }), siteLabelled())

  counter(registry, 'gatekeeper_upstream_responses_total', 'Answers of the upstream to proxied requests, by status class.',
    each((site) => { const { statuses } = site.upstream(); return STATUS_CLASSES.map((name, i) => [{ class: name }, statuses[i] ?? 0] as const) }), siteLabelled(['class']))
  counter(registry, 'gatekeeper_upstream_errors_total', 'Proxied requests the upstream did not answer, by kind.', each((site) => {
    const upstream = site.upstream()
    return [[{ kind: 'connection' }, upstream.connectionErrors], [{ kind: 'timeout' }, upstream.timeouts]]
  }), siteLabelled(['kind']))
  const latencyOf = (upstream: HealthCounts): { perBucket: readonly number[], sum: number } => ({ perBucket: upstream.latency, sum: upstream.latencySumMs / 1000 })
  registerSnapshotHistogram(registry, 'gatekeeper_upstream_latency_seconds', 'Time from the gate\'s decision to the upstream\'s response headers.',
    LATENCY_BOUNDS_MS.map((bound) => bound / 1000), siteLabelled(), () => bySite === undefined
      ? [{ labels: {}, counts: latencyOf(sources.upstream()) }]
      : bySite().map((site) => ({ labels: { site: site.name }, counts: latencyOf(site.upstream()) })))

  counter(registry, 'gatekeeper_health_gate_trips_total', 'Times the health gate found a threshold crossed and acted.', each((site) => site.healthGate().trips), siteLabelled())
  gauge(registry, 'gatekeeper_health_window_requests', 'Proxied requests in the health gate\'s last judgement (0 when not staged).',
    each((site) => site.healthGate().verdict?.figures.requests ?? 0), siteLabelled())
  gauge(registry, 'gatekeeper_health_window_server_error_ratio', 'Share of 5xx answers in the health gate\'s last judgement.',
    each((site) => site.healthGate().verdict?.figures.serverErrorShare ?? 0), siteLabelled())
  gauge(registry, 'gatekeeper_health_window_connection_error_ratio', 'Share of connection errors and timeouts in the health gate\'s last judgement.',
    each((site) => site.healthGate().verdict?.figures.connectionErrorShare ?? 0), siteLabelled())

  gauge(registry, 'gatekeeper_store_up', '1 when the state store answers, 0 when it does not.', () => {
    const store = sources.store()
    return [[{ kind: store.kind }, store.health.ok ? 1 : 0]]
  }, ['kind'])

  if (sources.nodes !== undefined || bySite !== undefined) {
    const nodes = (site: SiteMetricsSources): ReturnType<NonNullable<MetricsSources['nodes']>> => site.nodes?.() ?? []
    counter(registry, 'gatekeeper_node_requests_total', 'Requests passed to each application node by this instance.', each((site) => nodes(site).map((n) => [{ node: n.name }, n.requests] as const)), siteLabelled(['node']))
    counter(registry, 'gatekeeper_node_errors_total', 'Requests a node did not answer, or answered 502/503/504.', each((site) => nodes(site).map((n) => [{ node: n.name }, n.errors] as const)), siteLabelled(['node']))
    gauge(registry, 'gatekeeper_node_in_flight', 'Requests in flight to each node from this instance.', each((site) => nodes(site).map((n) => [{ node: n.name }, n.inFlight] as const)), siteLabelled(['node']))
    gauge(registry, 'gatekeeper_node_up', 'Whether each node is usable by its health (1), or down (0).', each((site) => nodes(site).map((n) => [{ node: n.name }, n.health === 'down' ? 0 : 1] as const)), siteLabelled(['node']))
  }
  gauge(registry, 'gatekeeper_public_in_flight', 'Public requests passed to the upstream and not yet finished.', () => sources.inFlight().requests)
  gauge(registry, 'gatekeeper_public_websockets', 'Public WebSockets open through the gate.', () => sources.inFlight().webSockets)

  counter(registry, 'gatekeeper_webhook_deliveries_total', 'Webhook deliveries by outcome (retried counts attempts repeated).', () => {
    const hooks = sources.webhooks()
    return [[{ outcome: 'delivered' }, hooks.delivered], [{ outcome: 'failed' }, hooks.failed], [{ outcome: 'retried' }, hooks.retried], [{ outcome: 'dropped' }, hooks.dropped]]
  }, ['outcome'])
  counter(registry, 'gatekeeper_webhook_attempts_total', 'Webhook attempts (first tries and retries) by outcome: ok (2xx), rejected (another answer), unanswered (no answer).', () => {
    const { attempts } = sources.webhooks()
    return [[{ outcome: 'ok' }, attempts.ok], [{ outcome: 'rejected' }, attempts.rejected], [{ outcome: 'unanswered' }, attempts.unanswered]]
  }, ['outcome'])
  gauge(registry, 'gatekeeper_webhook_queue', 'Webhook deliveries waiting.', () => sources.webhooks().queued)

  return {
    recordDecision (decision, site) {
      countsOf(site)[decision.reason]++
    },
    async text () {
      return await registry.metrics()
    }
  }
}
