import type { Logger } from 'pino'
import type { RedisLink } from '../store/redis-connection.js'
import type { Config } from '../config/config.js'
import type { UpstreamObserver } from '../public/upstream-observer.js'
import type { Clock } from '../reopen/clock.js'
import type { State } from '../state/types.js'
import { createMinuteCounter, type MinuteCounter } from './counter.js'
import type { CounterStore } from './counter-store.js'
import { countsPathOf, createFileCounterStore } from './file-counter-store.js'
import { isEmptyMinute, mergeMinutes, minuteOf, type MinuteRecord } from './minute.js'
import { testerNamesOf } from './tester-names.js'

/** Tells two observers of the upstream's answers what one was told. */
export function bothObservers (first: UpstreamObserver, second: UpstreamObserver): UpstreamObserver {
  return {
    response (status, latencyMs, client, node) {
      first.response(status, latencyMs, client, node)
      second.response(status, latencyMs, client, node)
    },
    failure (timedOut, latencyMs, client, node) {
      first.failure(timedOut, latencyMs, client, node)
      second.failure(timedOut, latencyMs, client, node)
    }
  }
}

/** This instance's counter, and the counts of every instance, for the timeline. */
export interface TimelineCounts {
  counter: MinuteCounter
  /** the stored minutes of the range, with this instance's minute in progress */
  range (fromMs: number, toMs: number): Promise<MinuteRecord[]>
  start (): void
  close (): Promise<void>
}

export interface TimelineCountsOptions {
  config: Config
  clock: Clock
  current: () => State
  logger: Logger
  instanceId: () => string
  /** the instance's shared Redis clients (on Redis): the counts open no connection of their own */
  link?: RedisLink | null
}

async function storeOf (options: TimelineCountsOptions): Promise<{ store: CounterStore, closeConnection: () => Promise<void> }> {
  const { config, clock } = options
  if (config.store.type === 'redis') {
    const { type: _type, ...redis } = config.store
    const { connectRedis } = await import('../store/redis-connection.js')
    const { createRedisCounterStore } = await import('./redis-counter-store.js')
    const link = options.link ?? null
    const connection = link === null ? connectRedis(redis) : link.open(redis)
    const base = connection.keys.state.slice(0, -'state'.length)
    return { store: createRedisCounterStore({ client: connection.client, base, instanceId: options.instanceId }), closeConnection: async () => { await connection.close() } }
  }
  return { store: createFileCounterStore({ path: countsPathOf(config.store.path), clock }), closeConnection: async () => {} }
}

/**
 * The counts' store follows the state's: a file next to the state file, or
 * the same Redis. A count that cannot be written is logged and dropped:
 * the timeline is a record, never a reason to refuse a request.
 */
export async function createTimelineCounts (options: TimelineCountsOptions): Promise<TimelineCounts> {
  const { clock, logger } = options
  const { store, closeConnection } = await storeOf(options)
  let pending: Promise<unknown> = Promise.resolve()
  const counter = createMinuteCounter({
    clock,
    names: testerNamesOf(options.current),
    flush (record) {
      pending = store.write(record).catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, minute: record.m }, 'could not store a minute of the timeline\'s counts')
      })
    }
  })
  return {
    counter,
    async range (fromMs, toMs) {
      await pending
      const from = minuteOf(fromMs)
      const to = minuteOf(toMs)
      const stored = await store.range(from, to)
      const live = counter.current()
      if (live.m < from || live.m > to || isEmptyMinute(live)) return stored
      const same = stored.find((r) => r.m === live.m)
      if (same === undefined) return [...stored, live]
      // on Redis the stored minute in progress is another instance's
      return stored.map((r) => r.m === live.m ? mergeMinutes(r.m, [r, live]) : r)
    },
    start () { counter.start() },
    async close () {
      counter.stop()
      await pending
      await store.close()
      await closeConnection()
    }
  }
}
