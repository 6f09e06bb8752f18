import { eventsOf, type GatekeeperEvent } from '../notify/events.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { ChangeContext, State } from '../state/types.js'
import type { Mutation, StateWriter, StoreHealth } from '../store/store.js'
import type { PolicedStore } from './outage-policy.js'

type LogFn = (fields: Record<string, unknown>, message: string) => void

export interface FeedLogger {
  warn: LogFn
  error: LogFn
}

/** The public workers (`workers: N`): resolves once every one serves the state. */
export interface FeedWorkers {
  share (state: State): Promise<void>
}

/** The rules of the non-HTTP ports: re-rendered from the gate in force. */
export interface FeedFirewall {
  sync (): void
}

/** The webhooks: told what a change written here did. */
export interface FeedNotifier {
  publish (events: GatekeeperEvent[]): void
}

export interface StateFeedOptions {
  /** the store under its outage policy (withOutagePolicy), already initialised */
  store: Pick<PolicedStore, 'kind' | 'update' | 'note' | 'readAudit' | 'health' | 'subscribe'>
  runtime: GateRuntime
  workers?: FeedWorkers
  firewall?: FeedFirewall
  notifier?: FeedNotifier
  logger: FeedLogger
}

/** The one way into the state: writers call it, and it tells every part of the process. */
export interface StateFeed extends StateWriter {
  /** the state in force here, as last told */
  current (): State
  /** Told each state in force, after the workers, the gate and the firewall. */
  subscribe (listener: (state: State) => void): void
}

function sameDocument (a: State, b: State): boolean {
  return a.version === b.version && JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Above the store: every state in force — the answer of a change written
 * here, or news the store brings (another instance's change, a stand-in
 * while it is unreachable, what it converged on after) — is told once, in a
 * fixed order: the workers (and their acknowledgement awaited), the gate's
 * runtime, the firewall, the subscribers; then, for a change written here,
 * the webhooks. A change call returns only once all of that is done.
 *
 * The answer of a change and the store's news of the same change are one
 * telling: a copy of what was last told is dropped, and so is the answer of
 * a change when newer news has already been told.
 */
export function createStateFeed (options: StateFeedOptions): StateFeed {
  const { store, runtime, workers, firewall, notifier, logger } = options
  const listeners: Array<(state: State) => void> = []
  let told: State = runtime.current().state
  let queue: Promise<void> = Promise.resolve()

  function guarded (what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      logger.error({ err: (err as Error).message, part: what }, 'a part following the state failed')
    }
  }

  async function fanOut (state: State): Promise<void> {
    told = state
    if (workers !== undefined) {
      try {
        await workers.share(state)
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'the workers could not be told the state')
      }
    }
    guarded('runtime', () => { runtime.follow(state) })
    if (firewall !== undefined) guarded('firewall', () => { firewall.sync() })
    for (const listener of listeners) guarded('subscriber', () => { listener(state) })
  }

  /** `own`: the answer of a change written here, which newer news overtakes. */
  function tell (state: State, own: boolean): Promise<void> {
    const run = queue.then(async () => {
      if (sameDocument(state, told)) return
      if (own && state.version < told.version) return
      await fanOut(state)
    })
    queue = run.catch(() => {})
    return run
  }

  // kept up to date: a worker that joins later is handed the state in force
  if (workers !== undefined) workers.share(told).catch(() => {})
  store.subscribe((state) => { tell(state, false).catch(() => {}) })

  return {
    get kind () {
      return store.kind
    },

    current: () => told,

    async update (ctx: ChangeContext, mutation: Mutation, expectedVersion?: number): Promise<State> {
      let before: State | null = null
      const after = await store.update(ctx, (current) => {
        before = current
        return mutation(current)
      }, expectedVersion)
      await tell(after, true)
      // the instance that writes a change is the one that tells the webhooks: each event goes out once
      const was = before as State | null
      if (notifier !== undefined && was !== null) {
        try {
          notifier.publish(eventsOf(was, after, ctx))
        } catch (err) {
          logger.warn({ action: ctx.action, err: (err as Error).message }, 'could not queue the notifications of a change')
        }
      }
      return after
    },

    note: (ctx, detail) => store.note(ctx, detail),

    readAudit: (limit) => store.readAudit(limit),

    health: (): StoreHealth => store.health(),

    subscribe (listener) {
      listeners.push(listener)
    }
  }
}
