import cluster, { type Worker } from 'node:cluster'
import type { AddressInfo } from 'node:net'
import type { Config } from '../config/config.js'
import type { Decision } from '../gate/decide.js'
import { loadAssets } from '../page/assets.js'
import { loadPages } from '../page/pages.js'
import type { UpstreamObserver } from '../public/upstream-observer.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { State } from '../state/types.js'
import { createListenerChange } from './listener-change.js'
import { isToPrimary, toWire, type ToPrimary, type ToWorker } from './messages.js'
import { createNodeFigures } from './node-figures.js'
import { replayObserved } from './observations.js'

interface Log {
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
}

/** What the workers need of the primary once they run. */
export interface PoolDeps {
  runtime: GateRuntime
  logger: Log
  onDecision: (decision: Decision) => void
  upstream: UpstreamObserver
}

export interface PoolOptions {
  /**
   * How long a worker may take to acknowledge a state before it is killed
   * (and restarted with the state in force): a change call never returns
   * while a worker could still serve the state before it.
   */
  ackTimeoutMs?: number
}

interface Member {
  worker: Worker
  /** it listens for our messages: it has been sent the state in force and everything since */
  joined: boolean
  listening: boolean
  /** how many of the public listeners it listens on */
  listens: number
  /** the last message number sent, and the last acknowledged */
  sent: number
  acked: number
  inFlight: number
  webSockets: number
  waiters: Array<{ seq: number, done: () => void }>
  startedAt: number
}

const DEFAULT_ACK_TIMEOUT_MS = 5000
/** A worker that dies this soon after it started waits this long before it is started again: no crash loop at full speed. */
const QUICK_DEATH_MS = 2000
const RESTART_PAUSE_MS = 1000

/**
 * The primary's side of `workers: N` (node:cluster). The primary keeps the
 * store, the admin API, the ramps and the figures; the workers serve the
 * public listener on a shared port. Every state the primary's state feed
 * tells — the answer of its own change, or what the store says is in force —
 * is sent once to every worker, and `share` resolves only once every worker
 * has acknowledged applying it: the feed tells the rest of the primary (and
 * a change call returns) only then, so no worker serves the state before it. A worker that does not acknowledge in time is killed and restarted,
 * and a restarted worker starts from the state in force.
 */
export function createWorkerPool (config: Config, options: PoolOptions = {}) {
  const count = config.workers
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS
  const members = new Map<number, Member>()
  let deps: PoolDeps | null = null
  /** what a worker must serve: the state in force as the workers have been told it */
  let inForce: State | null = null
  /** the configuration the workers serve: the one started with, until a reload */
  let configInForce = config
  const problems: string[] = []
  let closing = false
  /** where each public listener ended up at start, in config order (every worker's nth listen shares the nth port) */
  const addresses: AddressInfo[] = []
  let started = false
  /** every worker's node figures, which the primary's nodes add to their own */
  const nodeFigures = createNodeFigures()

  function send (member: Member, message: ToWorker): void {
    if (member.worker.isConnected()) member.worker.send(message)
  }

  function settle (member: Member): void {
    const waiting = member.waiters
    member.waiters = []
    for (const waiter of waiting) {
      if (waiter.seq <= member.acked) waiter.done()
      else member.waiters.push(waiter)
    }
  }

  /** Resolves once `member` has acknowledged message `seq`, has gone, or has been killed for taking too long. */
  function acknowledged (member: Member, seq: number): Promise<void> {
    if (member.acked >= seq) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        deps?.logger.error({ worker: member.worker.id, pid: member.worker.process.pid, seq }, 'worker did not apply a state in time; killing it')
        member.worker.process.kill('SIGKILL')
      }, ackTimeoutMs)
      member.waiters.push({ seq, done: () => { clearTimeout(timer); resolve() } })
    })
  }

  /**
   * Sends a state to every worker that listens, and resolves when each has
   * applied it (or is gone). The state feed decides what is in force: each
   * worker takes what it is sent, whatever its version.
   */
  function share (state: State): Promise<void> {
    inForce = state
    const waits: Array<Promise<void>> = []
    for (const member of members.values()) {
      if (!member.joined) continue
      member.sent++
      send(member, { type: 'gk:state', seq: member.sent, how: 'follow', state })
      waits.push(acknowledged(member, member.sent))
    }
    return Promise.all(waits).then(() => {})
  }

  /** a reload's change of `listen`, told to every worker that listens for our messages */
  const listenerChange = createListenerChange({
    targets: () => [...members.values()].filter((member) => member.joined).map((member) => ({
      id: member.worker.id,
      send: (message) => { send(member, message) },
      kill: () => { member.worker.process.kill('SIGKILL') }
    })),
    timeoutMs: ackTimeoutMs,
    log: () => deps?.logger
  })

  function refillPageProblems (from: Config): void {
    const pages = loadPages(from.maintenance.pagesDir)
    problems.length = 0
    problems.push(...pages.problems)
    loadAssets(from.maintenance.pagesDir, problems)
  }

  function adjustCounts (member: Member, inFlight: number, webSockets: number): void {
    if (deps === null) return
    if (inFlight !== member.inFlight) deps.runtime.inFlight += inFlight - member.inFlight
    if (webSockets !== member.webSockets) deps.runtime.webSockets += webSockets - member.webSockets
    member.inFlight = inFlight
    member.webSockets = webSockets
  }

  function onMessage (member: Member, message: ToPrimary): void {
    switch (message.type) {
      case 'gk:config?':
        send(member, { type: 'gk:config', seq: 0, config: toWire(configInForce) })
        return
      case 'gk:hello':
        member.joined = true
        // a worker started after a reload builds its app with what is in force, not what it read at start-up
        if (configInForce !== config) {
          member.sent++
          send(member, { type: 'gk:config', seq: member.sent, config: toWire(configInForce) })
        }
        if (inForce !== null) {
          member.sent++
          send(member, { type: 'gk:state', seq: member.sent, how: 'follow', state: inForce })
        }
        return
      case 'gk:applied':
        // the figures first: whoever the acknowledgement releases reads them as of this state
        if (message.nodes !== undefined) nodeFigures.record(member.worker.id, message.nodes)
        member.acked = Math.max(member.acked, message.seq)
        adjustCounts(member, message.inFlight, message.webSockets)
        settle(member)
        return
      case 'gk:counts':
        adjustCounts(member, message.inFlight, message.webSockets)
        return
      case 'gk:nodes':
        nodeFigures.record(member.worker.id, message.nodes)
        return
      case 'gk:observed':
        if (deps !== null) replayObserved(message, deps.onDecision, deps.upstream)
        return
      case 'gk:listened':
        listenerChange.answered(member.worker.id, message)
    }
  }

  /** Lets every worker finish what it is serving and stop; one that takes too long is killed. */
  async function close (): Promise<void> {
    closing = true
    deps?.logger.info({ workers: members.size }, 'stopping the public workers')
    const exits = [...members.values()].map((member) => new Promise<void>((resolve) => {
      if (member.worker.isDead()) {
        resolve()
        return
      }
      const force = setTimeout(() => { member.worker.process.kill('SIGKILL') }, config.shutdownGraceMs)
      member.worker.once('exit', () => {
        clearTimeout(force)
        resolve()
      })
      send(member, { type: 'gk:stop' })
    }))
    await Promise.all(exits)
  }

  function fork (): Member {
    const worker = cluster.fork()
    const member: Member = { worker, joined: false, listening: false, listens: 0, sent: 0, acked: 0, inFlight: 0, webSockets: 0, waiters: [], startedAt: Date.now() }
    members.set(worker.id, member)
    worker.on('message', (message: unknown) => {
      if (isToPrimary(message)) onMessage(member, message)
    })
    worker.on('listening', (where: { address: string, port: number, addressType: number | string }) => {
      member.listening = true
      member.listens++
      if (!started && member.listens > addresses.length) addresses.push({ address: where.address, port: where.port, family: where.addressType === 6 || where.addressType === 'udp6' ? 'IPv6' : 'IPv4' })
    })
    worker.on('exit', (code, signal) => {
      members.delete(worker.id)
      adjustCounts(member, 0, 0)
      nodeFigures.forget(worker.id)
      listenerChange.gone(worker.id)
      // a worker that is gone serves nothing: whoever waited on it waits no more
      member.acked = Number.MAX_SAFE_INTEGER
      settle(member)
      if (closing) return
      const pause = Date.now() - member.startedAt < QUICK_DEATH_MS ? RESTART_PAUSE_MS : 0
      deps?.logger.warn({ worker: worker.id, pid: worker.process.pid, code, signal, restartInMs: pause }, 'public worker exited; starting another')
      setTimeout(() => { if (!closing) fork() }, pause).unref()
    })
    return member
  }

  return {
    workers: count,

    /** the node figures of every worker, summed by node */
    nodeFigures,

    /**
     * The state feed's first step: a state reaches the rest of the primary
     * (and a change call returns) only once every worker serves it.
     */
    share,

    /** What /healthz says of the maintenance pages; the workers load the same ones. Refilled in place by a reload. */
    pageProblems (): string[] {
      refillPageProblems(config)
      return problems
    },

    /**
     * Sends a reloaded configuration to every worker that listens, and
     * resolves once each has applied it (or is gone, or was killed for
     * taking too long: it restarts with this configuration).
     */
    async reconfigure (next: Config): Promise<void> {
      configInForce = next
      refillPageProblems(next)
      const waits: Array<Promise<void>> = []
      for (const member of members.values()) {
        if (!member.joined) continue
        member.sent++
        send(member, { type: 'gk:config', seq: member.sent, config: toWire(next) })
        waits.push(acknowledged(member, member.sent))
      }
      await Promise.all(waits)
    },

    /**
     * A reload's `listen`, in every worker: `prepare` binds the new
     * addresses (refusing, naming the listener, when a worker cannot),
     * `commit` serves them and retires the removed ones, `rollback` closes
     * again what prepare bound. A worker started later takes the listeners
     * of the configuration in force.
     */
    listeners: {
      prepare: listenerChange.prepare,
      commit: listenerChange.commit,
      rollback: listenerChange.rollback
    },

    /** Starts the workers and resolves once every one listens; a worker that dies before it listens fails the start. */
    async start (poolDeps: PoolDeps): Promise<AddressInfo[]> {
      deps = poolDeps
      // structured clone: the figures travel as typed arrays, not as JSON text
      cluster.setupPrimary({ serialization: 'advanced' })
      const starting = Array.from({ length: count }, () => fork())
      await Promise.all(starting.map((member) => new Promise<void>((resolve, reject) => {
        const onExit = (code: number | null, signal: string | null): void => {
          reject(new Error(`a public worker exited (${signal ?? String(code)}) before it listened; see its output above`))
        }
        member.worker.once('exit', onExit)
        const onListening = (): void => {
          if (member.listens < config.listeners.length) return
          member.worker.off('listening', onListening)
          member.worker.off('exit', onExit)
          resolve()
        }
        member.worker.on('listening', onListening)
      }))).catch(async (err: unknown) => {
        await close()
        throw err
      })
      started = true
      if (addresses.length === 0) throw new Error('the public workers listen, but did not say where')
      return addresses
    },

    close
  }
}

export type WorkerPool = ReturnType<typeof createWorkerPool>
