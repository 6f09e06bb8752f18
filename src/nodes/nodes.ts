import type { IncomingHttpHeaders } from 'node:http'
import { Agent, Pool } from 'undici'
import type { GateSnapshot } from '../gate/snapshot.js'
import type { NodeState } from '../state/types.js'
import { createAffinity, type Affinity } from './affinity.js'
import { chooseNode, type NodeHealth } from './choose.js'
import type { NodeConfig, NodesConfig } from './config.js'
import { afterCheck, afterRequest, isNodeFailureStatus, UNKNOWN_HEALTH, type HealthTrack } from './health.js'

/** One request's hold on the node it was sent to. */
export interface NodeLease {
  readonly name: string
  readonly pool: Pool
  readonly origin: string
  readonly host: string
  /** the node answered: its status and headers (the session cookie it issued, a 502/503/504 that counts against it) */
  answered (status: number, headers: IncomingHttpHeaders): void
  /** the node gave no answer: refused, reset, timed out */
  failed (): void
  /** the request is over, whichever way; a second call does nothing */
  release (): void
}

/** One node as the admin API shows it. */
export interface NodeReport {
  name: string
  url: string
  weight: number
  state: NodeState
  reason: string
  health: NodeHealth
  /** requests in flight to it from this instance */
  inFlight: number
  requests: number
  errors: number
  /** when its last active check finished; null when none has */
  lastCheck: string | null
}

/** A node's figures counted in other processes: the workers of `workers: N`, as their primary hears them. */
export interface FiguresElsewhere {
  of (name: string): { inFlight: number, requests: number, errors: number, health: NodeHealth, lastCheck: string | null } | undefined
}

export interface NodesOptions {
  /** the node states are read from the state in force */
  current: () => GateSnapshot
  log: { warn (fields: Record<string, unknown>, message: string): void, info (fields: Record<string, unknown>, message: string): void }
  /** run the active health checks (false where another process serves the requests) */
  checks?: boolean
  /** told of each request's outcome, for metrics */
  onOutcome?: (node: string, ok: boolean) => void
  /**
   * where the requests are served elsewhere (a primary's workers): their
   * figures are added to this instance's in list(), inFlightOf() and
   * waitIdle(), and their checks say the health when this one runs none
   */
  elsewhere?: FiguresElsewhere
}

/**
 * The pool's terms. One request per connection at a time (no pipelining): a
 * slow page must never hold up another client's request queued behind it on
 * the same socket. Idle connections are kept for reuse.
 */
function poolOf (node: NodeConfig, config: NodesConfig): Pool {
  return new Pool(node.url.origin, {
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    connect: { timeout: config.timeouts.connectMs },
    headersTimeout: config.timeouts.headersMs,
    bodyTimeout: config.timeouts.bodyMs,
    ...(config.maxConnectionsPerNode === null ? {} : { connections: config.maxConnectionsPerNode })
  })
}

class NodeEntry {
  track: HealthTrack = UNKNOWN_HEALTH
  inFlight = 0
  requests = 0
  /** the picks that share out a quiet stream by weight: never more than one round behind the leader */
  share = 0
  errors = 0
  lastCheck: string | null = null
  timer: NodeJS.Timeout | null = null
  readonly pool: Pool
  readonly origin: string
  readonly host: string
  retired = false

  constructor (public config: NodeConfig, settings: NodesConfig) {
    this.pool = poolOf(config, settings)
    this.origin = config.url.origin
    this.host = config.url.host
  }
}

/**
 * The application nodes of this instance: their pools, requests in flight,
 * health (active checks and passive failures) and the sessions they issued.
 * The choice of a node is chooseNode()'s; the operator's node states come
 * from the state in force. `reconfigure()` replaces the node list and the
 * health-check settings at run time.
 */
export function createNodes (initial: NodesConfig, options: NodesOptions) {
  const { current, log } = options
  const runChecks = options.checks !== false
  let config = initial
  let entries: NodeEntry[] = []
  let byName = new Map<string, NodeEntry>()
  let affinity: Affinity | null = null
  let checkAgent: Agent | null = null
  let generation = 0
  let closed = false
  let closing: Promise<void> | undefined

  function stateOf (name: string): { state: NodeState, reason: string } {
    const setting = current().state.nodes?.[name]
    return setting === undefined ? { state: 'in', reason: '' } : { state: setting.state, reason: setting.reason }
  }

  function setHealth (entry: NodeEntry, next: HealthTrack, why: string): void {
    const was = entry.track.health
    entry.track = next
    if (was !== next.health && !entry.retired) log.info({ node: entry.config.name, health: next.health, was, why }, 'node health changed')
  }

  function outcome (entry: NodeEntry, ok: boolean): void {
    if (!ok) entry.errors++
    options.onOutcome?.(entry.config.name, ok)
    // without an active check nothing could bring a node back: requests alone never take it down then
    if (config.healthCheck !== null) setHealth(entry, afterRequest(entry.track, ok), ok ? 'request answered' : 'requests failed')
  }

  async function checkOnce (entry: NodeEntry): Promise<boolean> {
    const check = config.healthCheck
    if (check === null || checkAgent === null) return false
    try {
      const answer = await checkAgent.request({
        origin: entry.origin,
        path: check.path,
        method: 'GET',
        headers: { 'user-agent': 'gatekeeper-health-check' },
        headersTimeout: check.timeoutMs,
        bodyTimeout: check.timeoutMs,
        signal: AbortSignal.timeout(check.timeoutMs)
      })
      await answer.body.dump()
      return answer.statusCode >= 200 && answer.statusCode < 400
    } catch {
      return false
    }
  }

  function schedule (entry: NodeEntry, delayMs: number, round: number): void {
    const check = config.healthCheck
    if (check === null || closed || round !== generation) return
    entry.timer = setTimeout(() => {
      const startedAt = Date.now()
      checkOnce(entry).then((ok) => {
        if (round !== generation || entry.retired) return
        entry.lastCheck = new Date().toISOString()
        setHealth(entry, afterCheck(entry.track, ok, check.fall, check.rise), ok ? 'health check passed' : 'health check failed')
        schedule(entry, Math.max(0, check.intervalMs - (Date.now() - startedAt)), round)
      }, () => {})
    }, delayMs)
    entry.timer.unref()
  }

  function install (next: NodesConfig): void {
    generation++
    const kept = new Map<string, NodeEntry>()
    const samePool = next.timeouts.connectMs === config.timeouts.connectMs && next.timeouts.headersMs === config.timeouts.headersMs &&
      next.timeouts.bodyMs === config.timeouts.bodyMs && next.maxConnectionsPerNode === config.maxConnectionsPerNode
    for (const entry of entries) {
      if (entry.timer !== null) clearTimeout(entry.timer)
      entry.timer = null
      const wanted = next.nodes.find((node) => node.name === entry.config.name)
      if (wanted !== undefined && wanted.url.origin === entry.origin && samePool) {
        entry.config = wanted
        kept.set(wanted.name, entry)
      } else {
        // requests in flight finish on the old pool; it closes once they have
        entry.retired = true
        entry.pool.close().catch(() => {})
      }
    }
    const previous = config
    config = next
    entries = next.nodes.map((node) => kept.get(node.name) ?? new NodeEntry(node, next))
    byName = new Map(entries.map((entry) => [entry.config.name, entry]))
    if (next.affinityCookie === null) affinity = null
    else if (affinity === null || affinity.cookie !== next.affinityCookie) affinity = createAffinity(next.affinityCookie)
    if (next.healthCheck === null) {
      // no check could bring a node back: none stays down
      for (const entry of entries) entry.track = UNKNOWN_HEALTH
    } else if (previous.healthCheck === null) {
      for (const entry of entries) entry.track = UNKNOWN_HEALTH
    }
    if (runChecks && next.healthCheck !== null) {
      checkAgent ??= new Agent({ pipelining: 1, connections: 2, keepAliveTimeout: 10_000 })
      for (const entry of entries) schedule(entry, 0, generation)
    }
  }

  function lease (entry: NodeEntry): NodeLease {
    entry.inFlight++
    entry.requests++
    let over = false
    let judged = false
    return {
      name: entry.config.name,
      pool: entry.pool,
      origin: entry.origin,
      host: entry.host,
      answered (status, headers) {
        if (affinity !== null) affinity.issued(entry.config.name, headers['set-cookie'])
        if (judged) return
        judged = true
        outcome(entry, !isNodeFailureStatus(status))
      },
      failed () {
        if (judged) return
        judged = true
        outcome(entry, false)
      },
      release () {
        if (over) return
        over = true
        entry.inFlight--
      }
    }
  }

  install(initial)

  /** Requests in flight to `name` from this instance (its workers' included). */
  function inFlightOf (name: string): number {
    return (byName.get(name)?.inFlight ?? 0) + (options.elsewhere?.of(name)?.inFlight ?? 0)
  }

  return {
    /**
     * The node for an admitted request, leased (counted in flight until
     * released); null when no node may take it. `except`: a node that just
     * refused the request.
     */
    pick (audience: 'public' | 'tester', cookieHeader: string | string[] | undefined, except?: string): NodeLease | null {
      const states = current().state.nodes ?? {}
      const choice = chooseNode({
        audience,
        affinity: affinity === null ? undefined : affinity.nodeOf(cookieHeader),
        nodes: entries.filter((entry) => entry.config.name !== except).map((entry) => ({
          name: entry.config.name,
          weight: entry.config.weight,
          state: states[entry.config.name]?.state ?? 'in',
          health: entry.track.health,
          inFlight: entry.inFlight,
          requests: entry.share
        }))
      })
      if (choice === null) return null
      const chosen = byName.get(choice.name) as NodeEntry
      chosen.share++
      // a node back from down or out starts one round behind, not with every request it missed
      const round = chosen.share / chosen.config.weight - 1
      for (const entry of entries) if (entry.share / entry.config.weight < round) entry.share = round * entry.config.weight
      return lease(chosen)
    },

    /** The nodes as configured, each with its state, health and counts on this instance (its workers' included). */
    list (): NodeReport[] {
      return entries.map((entry) => {
        const other = options.elsewhere?.of(entry.config.name)
        const checkedThere = !runChecks && other !== undefined
        return {
          name: entry.config.name,
          url: entry.origin,
          weight: entry.config.weight,
          ...stateOf(entry.config.name),
          health: checkedThere ? other.health : entry.track.health,
          inFlight: entry.inFlight + (other?.inFlight ?? 0),
          requests: entry.requests + (other?.requests ?? 0),
          errors: entry.errors + (other?.errors ?? 0),
          lastCheck: checkedThere ? other.lastCheck : entry.lastCheck
        }
      })
    },

    has (name: string): boolean {
      return byName.has(name)
    },

    inFlightOf,

    /**
     * Resolves true once `name` has no request in flight from this instance,
     * false when `timeoutMs` passes first.
     */
    async waitIdle (name: string, timeoutMs: number): Promise<boolean> {
      const until = Date.now() + timeoutMs
      while (inFlightOf(name) > 0) {
        if (Date.now() >= until) return false
        await new Promise((resolve) => { setTimeout(resolve, Math.min(25, Math.max(1, until - Date.now()))).unref() })
      }
      return true
    },

    /**
     * Replaces the node list, the health check, the affinity cookie, the
     * timeouts and the connection bound at run time. A node kept by name and
     * URL keeps its pool, counts and health; a removed or changed one
     * finishes its requests in flight on its old pool.
     */
    reconfigure (next: NodesConfig): void {
      if (closed) return
      install(next)
    },

    get config (): NodesConfig {
      return config
    },

    /** Stops the checks; the pools close once their requests in flight have finished. Called twice, it closes once. */
    close (): Promise<void> {
      closing ??= (async () => {
        closed = true
        generation++
        for (const entry of entries) if (entry.timer !== null) clearTimeout(entry.timer)
        await Promise.all(entries.map(async (entry) => { await entry.pool.close() }))
        await checkAgent?.close()
      })()
      return closing
    }
  }
}

export type Nodes = ReturnType<typeof createNodes>
