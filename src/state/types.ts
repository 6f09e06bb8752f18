/** The shared state document: one per deployment, versioned, identical on every instance. */

export type Mode = 'open' | 'closed' | 'staged' | 'read-only'

export const MODES: readonly Mode[] = ['open', 'closed', 'staged', 'read-only']

export interface AllowEntry {
  /** canonical CIDR text, e.g. `10.20.0.0/16` or `2001:db8::/32` */
  cidr: string
  label: string
  /** ISO 8601; absent for an entry that never expires */
  expiresAt?: string
  addedBy: string
  addedAt: string
  /** the sites whose gate it admits on; absent: every site */
  sites?: string[]
}

export interface BypassToken {
  name: string
  /** hex SHA-256 of the secret; the secret itself is never stored */
  sha256: string
  expiresAt: string
  createdBy: string
  createdAt: string
  /** the sites whose gate it passes; absent: every site */
  sites?: string[]
}

export interface Window {
  /** ISO 8601: when the current window began */
  start?: string
  /** ISO 8601: the expected end, shown to the public */
  end?: string
}

/** One step of a ramp: admit `percent` of the public for `holdSeconds`, then take the next step. */
export interface RampStep {
  percent: number
  holdSeconds: number
}

/** When the health gate steps in; each figure counts only once its window holds `minSamples` answers. */
export interface HealthThresholds {
  /** abort the ramp (close the site) or hold it (pause) */
  action: 'abort' | 'hold'
  /** share (0..1) of proxied requests answered 5xx by the upstream */
  serverErrors: { maxShare: number, minSamples: number }
  /** share (0..1) of proxied requests that got no answer: refused, reset, timed out */
  connectionErrors: { maxShare: number, minSamples: number }
  /** the upstream's 99th percentile response time */
  latencyP99: { maxMs: number, minSamples: number }
}

export interface RampEnd {
  at: string
  outcome: 'completed' | 'aborted' | 'superseded'
  reason: string
  by: string
}

/**
 * Why a ramp's next step or a schedule's opening waits: sites this one
 * depends on (`sites[].dependsOn`) are closed. It goes ahead once none is.
 */
export interface DependencyHold {
  reason: 'dependency-closed'
  /** the closed sites, in order */
  sites: string[]
  /** when it began to wait */
  since: string
}

/**
 * Something the operator should look at, shown with the site's state; it
 * changes nothing by itself. `dependency-aborted`: the health gate closed
 * `site`, which this one depends on (through `via`, when not directly).
 * Cleared by the operator's next change of this site's mode.
 */
export interface SiteFlag {
  kind: 'dependency-aborted'
  site: string
  /** the sites in between, when the dependency is not direct */
  via?: string[]
  at: string
  reasons: string[]
}

/**
 * A gradual reopening kept in the state, so that every instance shows it and
 * any instance can carry it on after a restart. Times are ISO 8601.
 */
export interface Ramp {
  steps: RampStep[]
  /** the step in force */
  index: number
  startedAt: string
  startedBy: string
  stepStartedAt: string
  /** when the next step begins; absent while paused and once ended */
  nextAt?: string
  paused: boolean
  /** while paused: what is left of the step's hold */
  remainingMs?: number
  pausedBy?: string
  pauseReason?: string
  /** the health gate judges answers from this time on: the start, or the last resume */
  watchFrom: string
  /** the thresholds in force for this ramp, resolved when it started */
  abortOn: HealthThresholds
  /** set once the ramp is over; the state keeps it to show how it ended */
  ended?: RampEnd
  /** started with `force`: its steps do not wait for closed dependencies */
  force?: boolean
  /** while its due step waits for closed dependencies */
  held?: DependencyHold
}

export type ScheduleThen = 'hold' | 'ramp' | 'open'

/** A planned window: the site closes by itself at closeAt and, at openAt, holds, ramps or opens. */
export interface Schedule {
  closeAt: string
  openAt?: string
  reason: string
  then: ScheduleThen
  /** then: ramp — the ramp to start at openAt */
  ramp?: { steps: RampStep[], abortOn: HealthThresholds }
  /** pending until closeAt; closed during the window */
  phase: 'pending' | 'closed'
  createdBy: string
  createdAt: string
  /** created with `force`: its opening (and its ramp) does not wait for closed dependencies */
  force?: boolean
  /** while its due opening waits for closed dependencies */
  held?: DependencyHold
}

/** What the operator lets a node serve: everyone the gate admits, only its sessions, nothing, or only testers. */
export type NodeState = 'in' | 'drain' | 'out' | 'testers'

export const NODE_STATES: readonly NodeState[] = ['in', 'drain', 'out', 'testers']

/** An operator's setting of one node; a node without one is `in`. */
export interface NodeSetting {
  state: NodeState
  reason: string
  by: string
  at: string
}

export interface State {
  version: number
  mode: Mode
  /** 0..100 with at most two decimals; meaningful in `staged` */
  percent: number
  reason: string
  window: Window
  /** seconds to advertise in Retry-After when the window has no end */
  retryAfter?: number
  /** per-window seed of the staged buckets: a new window reshuffles who gets in first */
  seed: string
  allowlist: AllowEntry[]
  tokens: BypassToken[]
  /** a gradual reopening, running or the last one that ended; absent when none was ever started */
  ramp?: Ramp
  /** a planned window: close at closeAt, then hold, ramp or open at openAt */
  schedule?: Schedule
  /** node states set by the operator, by node name; a node not named here is `in` */
  nodes: Record<string, NodeSetting>
  /** what the operator should look at (a dependency aborted by the health gate); absent when none */
  flags?: SiteFlag[]
  updatedAt: string
  updatedBy: string
}

/** What a change records in the audit log. */
export interface AuditEntry {
  version: number
  at: string
  actor: string
  /** the address the change came from */
  ip: string
  action: string
  /** the site changed (with `sites:` in the configuration) */
  site?: string
  /** the closed sites this one depends on, which an opening was forced past */
  forced?: string[]
  /** the window across sites this change belongs to (POST /v1/windows) */
  window?: string
  /** the scalar fields that changed, as they were; null for the first state */
  before: Record<string, unknown> | null
  /** the scalar fields as they became, and each changed list (allowlist, tokens by name only) as `{added, removed}` */
  after: Record<string, unknown>
}

/** Who makes a change, from where, and what they call it: recorded in the audit log. */
export interface ChangeContext {
  actor: string
  ip: string
  action: string
  /** the site changed (with `sites:` in the configuration) */
  site?: string
  /** the closed sites this one depends on, which an opening was forced past */
  forced?: string[]
  /** the window across sites this change belongs to (POST /v1/windows) */
  window?: string
}
