import type { Decision, Reason } from '../gate/decide.js'
import type { HealthVerdict } from '../health/evaluate.js'
import type { HealthCounts } from '../health/window.js'
import { LATENCY_BOUNDS_MS, STATUS_CLASSES } from '../health/window.js'
import type { NotifierStats } from '../notify/notifier.js'
import { runningRamp } from '../reopen/ramp.js'
import { MODES, type State } from '../state/types.js'
import type { StoreHealth } from '../store/store.js'
import { createExposition } from './exposition.js'

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
}

export interface Metrics {
  /** On the request path: one increment. */
  recordDecision (decision: Decision): void
  render (sources: MetricsSources): string
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

export function createMetrics (): Metrics {
  const decisions = newDecisionCounts()

  return {
    recordDecision (decision) {
      decisions[decision.reason]++
    },

    render (sources) {
      const out = createExposition()
      const state = sources.state()

      out.family('gatekeeper_requests_total', 'counter', 'Public requests by the gate\'s decision and its reason.')
      for (const reason of PASS_REASONS) out.sample('gatekeeper_requests_total', decisions[reason], { decision: 'pass', reason })
      for (const reason of HOLD_REASONS) out.sample('gatekeeper_requests_total', decisions[reason], { decision: 'hold', reason })

      out.family('gatekeeper_mode', 'gauge', 'The mode in force: 1 for the current mode, 0 for the others.')
      for (const mode of MODES) out.sample('gatekeeper_mode', state.mode === mode ? 1 : 0, { mode })
      out.family('gatekeeper_percent', 'gauge', 'The state\'s percent: the share of the public admitted while staged (100 when open).')
      out.sample('gatekeeper_percent', state.percent)
      out.family('gatekeeper_state_version', 'gauge', 'The version of the state this instance serves.')
      out.sample('gatekeeper_state_version', state.version)

      const ramp = runningRamp(state)
      out.family('gatekeeper_ramp_running', 'gauge', '1 while a ramp is running (paused included).')
      out.sample('gatekeeper_ramp_running', ramp === undefined ? 0 : 1)
      out.family('gatekeeper_ramp_paused', 'gauge', '1 while the running ramp is paused.')
      out.sample('gatekeeper_ramp_paused', ramp?.paused === true ? 1 : 0)
      out.family('gatekeeper_ramp_step', 'gauge', 'The running ramp\'s current step, counted from 1; 0 without a ramp.')
      out.sample('gatekeeper_ramp_step', ramp === undefined ? 0 : ramp.index + 1)
      out.family('gatekeeper_ramp_steps', 'gauge', 'How many steps the running ramp has; 0 without a ramp.')
      out.sample('gatekeeper_ramp_steps', ramp === undefined ? 0 : ramp.steps.length)
      out.family('gatekeeper_ramp_next_step_timestamp_seconds', 'gauge', 'When the running ramp takes its next step (Unix time); 0 when paused or without a ramp.')
      out.sample('gatekeeper_ramp_next_step_timestamp_seconds', ramp?.nextAt === undefined ? 0 : Date.parse(ramp.nextAt) / 1000)

      const upstream = sources.upstream()
      out.family('gatekeeper_upstream_responses_total', 'counter', 'Answers of the upstream to proxied requests, by status class.')
      STATUS_CLASSES.forEach((name, i) => { out.sample('gatekeeper_upstream_responses_total', upstream.statuses[i] ?? 0, { class: name }) })
      out.family('gatekeeper_upstream_errors_total', 'counter', 'Proxied requests the upstream did not answer, by kind.')
      out.sample('gatekeeper_upstream_errors_total', upstream.connectionErrors, { kind: 'connection' })
      out.sample('gatekeeper_upstream_errors_total', upstream.timeouts, { kind: 'timeout' })
      out.family('gatekeeper_upstream_latency_seconds', 'histogram', 'Time from the gate\'s decision to the upstream\'s response headers.')
      let cumulative = 0
      LATENCY_BOUNDS_MS.forEach((bound, i) => {
        cumulative += upstream.latency[i] ?? 0
        out.sample('gatekeeper_upstream_latency_seconds_bucket', cumulative, { le: String(bound / 1000) })
      })
      cumulative += upstream.latency[LATENCY_BOUNDS_MS.length] ?? 0
      out.sample('gatekeeper_upstream_latency_seconds_bucket', cumulative, { le: '+Inf' })
      out.sample('gatekeeper_upstream_latency_seconds_sum', upstream.latencySumMs / 1000)
      out.sample('gatekeeper_upstream_latency_seconds_count', cumulative)

      const { verdict, trips } = sources.healthGate()
      out.family('gatekeeper_health_gate_trips_total', 'counter', 'Times the health gate found a threshold crossed and acted.')
      out.sample('gatekeeper_health_gate_trips_total', trips)
      out.family('gatekeeper_health_window_requests', 'gauge', 'Proxied requests in the health gate\'s last judgement (0 when not staged).')
      out.sample('gatekeeper_health_window_requests', verdict?.figures.requests ?? 0)
      out.family('gatekeeper_health_window_server_error_ratio', 'gauge', 'Share of 5xx answers in the health gate\'s last judgement.')
      out.sample('gatekeeper_health_window_server_error_ratio', verdict?.figures.serverErrorShare ?? 0)
      out.family('gatekeeper_health_window_connection_error_ratio', 'gauge', 'Share of connection errors and timeouts in the health gate\'s last judgement.')
      out.sample('gatekeeper_health_window_connection_error_ratio', verdict?.figures.connectionErrorShare ?? 0)

      const store = sources.store()
      out.family('gatekeeper_store_up', 'gauge', '1 when the state store answers, 0 when it does not.')
      out.sample('gatekeeper_store_up', store.health.ok ? 1 : 0, { kind: store.kind })

      const live = sources.inFlight()
      out.family('gatekeeper_public_in_flight', 'gauge', 'Public requests passed to the upstream and not yet finished.')
      out.sample('gatekeeper_public_in_flight', live.requests)
      out.family('gatekeeper_public_websockets', 'gauge', 'Public WebSockets open through the gate.')
      out.sample('gatekeeper_public_websockets', live.webSockets)

      const hooks = sources.webhooks()
      out.family('gatekeeper_webhook_deliveries_total', 'counter', 'Webhook deliveries by outcome (retried counts attempts repeated).')
      out.sample('gatekeeper_webhook_deliveries_total', hooks.delivered, { outcome: 'delivered' })
      out.sample('gatekeeper_webhook_deliveries_total', hooks.failed, { outcome: 'failed' })
      out.sample('gatekeeper_webhook_deliveries_total', hooks.retried, { outcome: 'retried' })
      out.sample('gatekeeper_webhook_deliveries_total', hooks.dropped, { outcome: 'dropped' })
      out.family('gatekeeper_webhook_queue', 'gauge', 'Webhook deliveries waiting.')
      out.sample('gatekeeper_webhook_queue', hooks.queued)
      return out.text()
    }
  }
}
