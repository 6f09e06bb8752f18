import { createHash } from 'node:crypto'
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import { errors, isGatekeeperError } from '../errors.js'
import type { RedisStoreConfig } from './redis-config.js'

export type RedisClient = Redis | Cluster

/** Every key and channel a deployment uses, derived from its prefix. */
export interface RedisKeys {
  state: string
  audit: string
  changes: string
  instancesSeen: string
  instancesReports: string
  instancesChannel: string
  /** leases are this followed by their name */
  leasePrefix: string
}

/**
 * A cluster runs a script only when all its keys hash to one slot: the
 * prefix becomes the hash tag, so one deployment's keys live together.
 */
export function redisKeys (config: Pick<RedisStoreConfig, 'keyPrefix' | 'cluster'>): RedisKeys {
  const base = config.cluster === undefined ? config.keyPrefix : `{${config.keyPrefix}}`
  return {
    state: `${base}state`,
    audit: `${base}audit`,
    changes: `${base}changes`,
    instancesSeen: `${base}instances:seen`,
    instancesReports: `${base}instances:reports`,
    instancesChannel: `${base}instances`,
    leasePrefix: `${base}lease:`
  }
}

export interface LuaScript {
  lua: string
  sha: string
}

export function luaScript (lua: string): LuaScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') }
}

/** Where the store points, without credentials: for logs and error messages. */
export function describeTarget (config: RedisStoreConfig): string {
  const nodes = (list: Array<{ host: string, port: number }>): string => list.map((n) => `${n.host}:${n.port}`).join(',')
  if (config.cluster !== undefined) return `redis cluster ${nodes(config.cluster)}`
  if (config.sentinels !== undefined) return `redis master "${config.name ?? ''}" via sentinels ${nodes(config.sentinels)}`
  const url = new URL(config.url ?? 'redis://127.0.0.1:6379')
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`
}

export function storeUnavailable (target: string, why: string): Error {
  return new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${target} is unreachable (${why})`)
}

/**
 * A Gatekeeper error as it is; anything from ioredis means Redis could not be
 * used: it was not reached, or it answered with an error (a ReplyError: a
 * script or command Redis refused, e.g. WRONGTYPE or OOM).
 */
export function asStoreError (err: unknown, target: string): Error {
  if (isGatekeeperError(err)) return err
  const { name, message } = err as Error
  if (name === 'ReplyError') return new errors.GK_ERR_STORE_UNAVAILABLE(`the state store ${target} refused the command (${message})`)
  return storeUnavailable(target, message)
}

/** An outage, said again with what it means for the call that met it ("the change was not applied anywhere"). */
export function withConsequence (err: unknown, consequence: string): unknown {
  if (!isGatekeeperError(err) || err.code !== 'GK_ERR_STORE_UNAVAILABLE') return err
  // said on the same error: a new one would repeat the table's words before the first message
  err.message = `${err.message}; ${consequence}`
  return err
}

/**
 * The two connections an instance keeps: one for commands, which fails at
 * once while Redis is away (a change must be refused, not queued for later),
 * and one for subscriptions, which waits and resubscribes by itself. Seen
 * through one deployment's keys (the state's, or a site's).
 */
export interface RedisConnection {
  readonly keys: RedisKeys
  readonly target: string
  readonly client: RedisClient
  readonly subscriber: RedisClient
  isReady (): boolean
  /** true once the command connection is ready; false on its first error or after `timeoutMs` */
  waitUntilReady (timeoutMs: number): Promise<boolean>
  /** Now on Redis's clock, as far as this instance can tell (measured on every connect). */
  redisNow (): number
  /** the last connection error, for health messages */
  lastError (): string | undefined
  runScript (script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown>
  subscribe (channel: string, handler: (message: string) => void): void
  /** Listens to a client's 'ready' or 'close' until this connection is closed. */
  on (which: 'client' | 'subscriber', event: 'ready' | 'close', listener: () => void): void
  /** Reconnects a client that ioredis gave up on (a sentinel or cluster that failed for good). */
  keepTrying (): void
  /** Lets go of this connection's subscriptions and listeners; the clients are closed by whoever opened them. */
  close (timeoutMs?: number): Promise<void>
}

/**
 * One instance's two clients, shared by every connection opened on them:
 * the state's, each site's and the timeline's, each with its own keys. Fifty
 * sites cost two connections to Redis, not two hundred.
 */
export interface RedisLink {
  open (keysOf: Pick<RedisStoreConfig, 'keyPrefix' | 'cluster'>): RedisConnection
  close (timeoutMs?: number): Promise<void>
}

/** Reconnect soon after Redis returns, without hammering it while it is away. */
function retryDelay (times: number): number {
  return Math.min(50 * times, 1000)
}

function baseOptions (config: RedisStoreConfig): RedisOptions {
  const options: RedisOptions = {
    connectTimeout: Math.max(config.commandTimeoutMs, 1000),
    retryStrategy: retryDelay,
    // how long a closing socket may linger; ioredis waits this long on one that never opened
    disconnectTimeout: 200,
    lazyConnect: false
  }
  if (config.password !== undefined) options.password = config.password
  if (config.db !== undefined) options.db = config.db
  return options
}

/**
 * A command sent while Redis is away fails at once, and one cut off by a
 * lost connection fails rather than being resent on reconnect: a change
 * reported as refused must never be applied later behind the admin's back.
 */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false
}

/** Subscriptions wait for Redis however long it takes, and are renewed on reconnect. */
const WAIT_FOREVER: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  autoResubscribe: true
}

function newClient (config: RedisStoreConfig, role: 'command' | 'subscriber'): RedisClient {
  const options: RedisOptions = { ...baseOptions(config), ...(role === 'command' ? FAIL_FAST : WAIT_FOREVER) }
  if (role === 'command') options.commandTimeout = config.commandTimeoutMs
  if (config.cluster !== undefined) {
    const clusterOptions: ClusterOptions = {
      // the cluster's own ready check needs its queue; the store refuses commands itself until the cluster is ready
      enableOfflineQueue: true,
      clusterRetryStrategy: retryDelay,
      redisOptions: options
    }
    return new Cluster(config.cluster, clusterOptions)
  }
  if (config.sentinels !== undefined) {
    return new Redis({ ...options, sentinels: config.sentinels, name: config.name ?? '' })
  }
  return new Redis(config.url ?? 'redis://127.0.0.1:6379', options)
}

async function quitWithin (client: RedisClient, timeoutMs: number): Promise<void> {
  // a client that is not connected has nothing to say goodbye to, only commands queued for a Redis that is away
  if (client.status !== 'ready') {
    client.disconnect()
    return
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs) })
  await Promise.race([client.quit().then(() => {}, () => {}), timeout])
  clearTimeout(timer)
  client.disconnect()
}

/** The two clients, once per instance; each `open` is a view on them with its own keys, subscriptions and listeners. */
export function createRedisLink (config: RedisStoreConfig): RedisLink {
  const target = describeTarget(config)
  const client = newClient(config, 'command')
  const subscriber = newClient(config, 'subscriber')
  // one listener per site's store on each client: fifty sites are not a leak
  client.setMaxListeners(0)
  subscriber.setMaxListeners(0)
  const handlers = new Map<string, Array<(message: string) => void>>()
  let lastError: string | undefined
  let closing = false

  // Without an error listener ioredis prints every failed reconnect; the
  // store reports outages itself, once.
  client.on('error', (err: Error) => { lastError = err.message })
  subscriber.on('error', () => {})
  let clockOffsetMs = 0
  client.on('ready', () => {
    lastError = undefined
    const sent = Date.now()
    client.time().then(([seconds, micros]) => {
      const received = Date.now()
      clockOffsetMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - Math.round((sent + received) / 2)
    }, () => {})
  })
  subscriber.on('message', (channel: string, message: string) => {
    for (const handler of handlers.get(channel) ?? []) handler(message)
  })

  function unsubscribe (channel: string, handler: (message: string) => void): void {
    const list = handlers.get(channel)
    if (list === undefined) return
    list.splice(list.indexOf(handler), 1)
    if (list.length > 0) return
    handlers.delete(channel)
    if (!closing) subscriber.unsubscribe(channel).catch(() => {})
  }

  function open (keysOf: Pick<RedisStoreConfig, 'keyPrefix' | 'cluster'>): RedisConnection {
    const subscribed: Array<[string, (message: string) => void]> = []
    const listening: Array<[RedisClient, 'ready' | 'close', () => void]> = []
    return {
      keys: redisKeys(keysOf),
      target,
      client,
      subscriber,

      isReady () {
        return client.status === 'ready'
      },

      waitUntilReady (timeoutMs) {
        if (client.status === 'ready') return Promise.resolve(true)
        return new Promise((resolve) => {
          const finish = (ready: boolean): void => {
            clearTimeout(timer)
            client.off('ready', onReady)
            client.off('error', onError)
            resolve(ready)
          }
          const onReady = (): void => finish(true)
          const onError = (): void => finish(false)
          const timer = setTimeout(onError, timeoutMs)
          client.on('ready', onReady)
          client.on('error', onError)
        })
      },

      redisNow () {
        return Date.now() + clockOffsetMs
      },

      lastError () {
        return lastError
      },

      async runScript (script, scriptKeys, args) {
        try {
          return await client.evalsha(script.sha, scriptKeys.length, ...scriptKeys, ...args)
        } catch (err) {
          if (!(err as Error).message.startsWith('NOSCRIPT')) throw err
          return await client.eval(script.lua, scriptKeys.length, ...scriptKeys, ...args)
        }
      },

      subscribe (channel, handler) {
        subscribed.push([channel, handler])
        const list = handlers.get(channel)
        if (list !== undefined) {
          list.push(handler)
          return
        }
        handlers.set(channel, [handler])
        // a failed subscription shows up as a connection error; the periodic re-read covers the gap
        subscriber.subscribe(channel).catch(() => {})
      },

      on (which, event, listener) {
        const emitter = which === 'client' ? client : subscriber
        listening.push([emitter, event, listener])
        emitter.on(event, listener)
      },

      keepTrying () {
        if (closing) return
        for (const each of [client, subscriber]) {
          if (each.status === 'end') each.connect().catch(() => {})
        }
      },

      async close () {
        for (const [channel, handler] of subscribed.splice(0)) unsubscribe(channel, handler)
        for (const [emitter, event, listener] of listening.splice(0)) emitter.off(event, listener)
      }
    }
  }

  return {
    open,
    async close (timeoutMs = 1000) {
      closing = true
      await Promise.all([quitWithin(client, timeoutMs), quitWithin(subscriber, timeoutMs)])
    }
  }
}

/** A connection with clients of its own, closed with it: for a store opened alone (and the tests). */
export function connectRedis (config: RedisStoreConfig): RedisConnection {
  const link = createRedisLink(config)
  const connection = link.open(config)
  return {
    ...connection,
    async close (timeoutMs) {
      await connection.close()
      await link.close(timeoutMs)
    }
  }
}
