import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { parseConfig, type Config } from '../../src/config/config.js'
import type { Clock } from '../../src/reopen/clock.js'
import { startGatekeeper, type Gatekeeper } from '../../src/server.js'
import { startSampleUpstream, type SampleUpstream } from '../../src/sample/sample-upstream.js'
import { TEST_ENV, adminClient, get, rawConfig, tempDir, type Answer } from './harness.js'
import { startRedis, type RedisServer } from './redis-server.js'

interface Teardown { teardown (fn: () => unknown): void }

/** Short periods, so outages, reports and stale instances play out in a fraction of a second. */
export const CLUSTER_TIMING = { heartbeatMs: 100, staleMs: 1000 }

export interface Member {
  name: string
  gk: Gatekeeper
  config: Config
  /** this member's own directory: its local copy of the state lives there */
  dir: string
  admin: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>
  /** a request to this member's public listener from a non-allowlisted loopback address */
  publicGet: (path?: string, options?: { method?: string, from?: string }) => Promise<Answer>
}

export interface Cluster {
  redis: RedisServer
  upstream: SampleUpstream
  members: Member[]
  /**
   * Starts one more gatekeeper on the shared Redis; a name used before
   * reuses that member's directory, hence its local copy (a restart).
   */
  start (name: string, extra?: Record<string, unknown>): Promise<Member>
}

/** The store section of a cluster member: this test's Redis, and short periods. */
function redisStore (redis: RedisServer, dir: string): Record<string, unknown> {
  return { type: 'redis', url: redis.url, localCopyPath: join(dir, 'state.local.json'), resyncIntervalMs: 200, commandTimeoutMs: 500 }
}

/**
 * One Redis, one upstream, and `count` full gatekeepers (a, b, c…) sharing
 * them in this process, each on its own ports; all closed in teardown.
 * A `clock` given is shared by all: ramps and schedules move when it does.
 */
export async function startCluster (t: Teardown, count = 3, shared: { clock?: Clock } = {}): Promise<Cluster> {
  const redis = await startRedis(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const root = tempDir(t)
  const members: Member[] = []

  async function start (name: string, extra: Record<string, unknown> = {}): Promise<Member> {
    const dir = join(root, name)
    mkdirSync(dir, { recursive: true })
    const config = parseConfig(rawConfig(dir, upstream.url, { store: redisStore(redis, dir), ...extra }), TEST_ENV)
    const gk = await startGatekeeper(config, { logger: pino({ level: process.env.GK_TEST_LOG ?? 'silent' }), registry: CLUSTER_TIMING, ...shared })
    t.teardown(() => gk.close())
    const admin = adminClient(gk.adminUrl)
    const member: Member = {
      name,
      gk,
      config,
      dir,
      admin,
      publicGet: (path = '/', options = {}) => get(gk.publicUrl + path, { from: '127.0.0.7', ...options })
    }
    const earlier = members.findIndex((m) => m.name === name)
    if (earlier !== -1) members.splice(earlier, 1)
    members.push(member)
    return member
  }

  for (const name of ['a', 'b', 'c', 'd', 'e'].slice(0, count)) await start(name)
  return { redis, upstream, members, start }
}

/** Polls until `check` holds; fails naming `what` after `timeoutMs` (a bound, not an assertion on timing). */
export async function until (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(20)
  }
}

export interface InstancesBody {
  version: number
  instances: Array<{ id: string, version: number, inFlight: number, webSockets: number, host: string, pid: number, startedAt: string, seenAt: string }>
  silent: Array<{ id: string }>
}

/** Resolves once the member lists every member live (the registry fills within a heartbeat). */
export async function everyoneListed (cluster: Cluster, from: Member): Promise<InstancesBody> {
  let body: InstancesBody | undefined
  await until(`${from.name} lists ${cluster.members.length} live instances`, async () => {
    const res = await from.admin('GET', '/v1/instances')
    if (res.status !== 200) return false
    body = await res.json() as InstancesBody
    return body.instances.length === cluster.members.length
  })
  return body as InstancesBody
}
