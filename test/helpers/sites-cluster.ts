import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfig } from '../../src/config/config.js'
import type { Clock } from '../../src/reopen/clock.js'
import { startGatekeeper, type Gatekeeper } from '../../src/server.js'
import { CLUSTER_TIMING } from './cluster.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV, type AdminCall, type Answer } from './harness.js'
import { startRedis } from './redis-server.js'

interface Teardown { teardown (fn: () => unknown): void }

/**
 * An upstream that holds every request until the test lets them go: a
 * request "in flight" for exactly as long as the test says, with no timing.
 */
export interface HeldUpstream {
  url: string
  /** requests that have arrived so far */
  readonly arrived: number
  /** resolves once `count` requests have arrived */
  arrivals (count: number): Promise<void>
  /** answers every request held (and those arriving later) */
  release (): void
}

export async function heldUpstream (t: Teardown): Promise<HeldUpstream> {
  const held: ServerResponse[] = []
  const waiters: Array<{ count: number, resolve: () => void }> = []
  let arrived = 0
  let released = false
  const answer = (res: ServerResponse): void => { res.writeHead(200, { 'content-type': 'text/plain' }).end('held then answered') }
  const server: Server = createServer((_req: IncomingMessage, res) => {
    arrived++
    for (const waiter of waiters.filter((w) => arrived >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
    if (released) answer(res)
    else held.push(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get arrived () { return arrived },
    arrivals: (count) => arrived >= count ? Promise.resolve() : new Promise((resolve) => { waiters.push({ count, resolve }) }),
    release () {
      released = true
      for (const res of held.splice(0)) answer(res)
    }
  }
}

export interface SitesMember {
  name: string
  gk: Gatekeeper
  admin: AdminCall
  /** a public request for `host`, from a non-allowlisted loopback address */
  publicGet: (host: string, path?: string) => Promise<Answer>
}

/**
 * One Redis and `count` gatekeepers sharing it, each configured with the
 * same `sites:` (no top-level upstream), reporting on the short cluster
 * periods; all closed in teardown.
 */
export async function startSitesCluster (t: Teardown, sites: Array<Record<string, unknown>>, count = 3, options: { clock?: Clock } = {}): Promise<SitesMember[]> {
  const redis = await startRedis(t)
  const root = tempDir(t)
  const members: SitesMember[] = []
  for (const name of ['a', 'b', 'c', 'd', 'e'].slice(0, count)) {
    const dir = join(root, name)
    mkdirSync(dir, { recursive: true })
    const raw = rawConfig(dir, '', { store: { type: 'redis', url: redis.url, localCopyPath: join(dir, 'state.local.json'), resyncIntervalMs: 200, commandTimeoutMs: 500 } })
    delete raw.upstream
    raw.sites = sites
    const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: process.env.GK_TEST_LOG ?? 'silent' }), registry: CLUSTER_TIMING, ...(options.clock === undefined ? {} : { clock: options.clock }) })
    t.teardown(() => gk.close())
    members.push({
      name,
      gk,
      admin: adminClient(gk.adminUrl),
      publicGet: (host, path = '/') => get(gk.publicUrl + path, { from: '127.0.0.7', headers: { host } })
    })
  }
  return members
}
