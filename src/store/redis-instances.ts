import { pollUntil, type InstanceRegistry, type InstanceReport, type InstanceSnapshot, type Roster, type SiteReport } from './instances.js'
import { asStoreError, type RedisConnection } from './redis-connection.js'
import { heartbeat, knownInstances, leave } from './redis-scripts.js'

type Obj = Record<string, unknown>

function isSiteReport (value: unknown): value is SiteReport {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Obj
  return typeof r.version === 'number' && typeof r.inFlight === 'number' && typeof r.webSockets === 'number'
}

/** Each site's figures, as written; a site whose figures cannot be read is left out (a wait on it then waits). */
function readSites (value: unknown): Record<string, SiteReport> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const sites: Record<string, SiteReport> = {}
  for (const [name, figures] of Object.entries(value as Obj)) {
    if (isSiteReport(figures)) sites[name] = { version: figures.version, inFlight: figures.inFlight, webSockets: figures.webSockets }
  }
  return sites
}

/** A report another instance wrote; one we cannot read is left out rather than guessed at. */
function readReport (id: string, seenMs: string, json: string): InstanceReport | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const r = value as Obj
  if (typeof r.host !== 'string' || typeof r.pid !== 'number' || typeof r.version !== 'number' ||
    typeof r.inFlight !== 'number' || typeof r.webSockets !== 'number' || typeof r.startedAt !== 'string') {
    return null
  }
  const sites = readSites(r.sites)
  return {
    id,
    host: r.host,
    pid: r.pid,
    version: r.version,
    inFlight: r.inFlight,
    webSockets: r.webSockets,
    ...(sites === undefined ? {} : { sites }),
    startedAt: r.startedAt,
    seenAt: new Date(Number(seenMs)).toISOString(),
    ...(r.health === undefined ? {} : { health: r.health }),
    ...(typeof r.siteHealth === 'object' && r.siteHealth !== null && !Array.isArray(r.siteHealth) ? { siteHealth: r.siteHealth as Obj } : {})
  }
}

/** How many stale periods a silent instance is remembered: long enough to outlast an admin's wait. */
const REMEMBER_STALE_PERIODS = 12

/**
 * The instances of a Redis deployment: a sorted set of ids by last heartbeat
 * (Redis time) and a hash of their reports. Every heartbeat is announced on
 * the instances channel, so a waiting admin call re-reads at once instead of
 * on its next poll. An instance silent for `staleMs` is no longer live; one
 * that left by closing its registry is gone at once, while one that fell
 * silent is remembered as such for a while: it may still be serving.
 */
export function createRedisRegistry (connection: RedisConnection, heartbeatMs = 1000, staleMs = 5000): InstanceRegistry {
  const forgetMs = staleMs * REMEMBER_STALE_PERIODS
  const { keys, target } = connection
  const registryKeys = [keys.instancesSeen, keys.instancesReports]
  const wakers = new Set<() => void>()
  let describe: (() => InstanceSnapshot) | null = null
  let joinedAs: string | null = null
  let timer: NodeJS.Timeout | undefined

  connection.subscribe(keys.instancesChannel, () => {
    for (const wake of wakers) wake()
  })
  // a Redis that comes back may have lost the list: be in it again at once, not a heartbeat later
  connection.on('client', 'ready', () => { publish().catch(() => {}) })

  /** Fails at once while Redis is away, rather than queueing heartbeats to replay later. */
  function refuseWhenDisconnected (): void {
    if (!connection.isReady()) throw asStoreError(new Error(connection.lastError() ?? 'not connected'), target)
  }

  async function publish (): Promise<void> {
    if (describe === null) return
    refuseWhenDisconnected()
    const snapshot = describe()
    const { id, ...rest } = snapshot
    joinedAs = id
    try {
      // the keys outlive their last writer a little, then vanish with the deployment
      await connection.runScript(heartbeat, registryKeys, [id, JSON.stringify(rest), forgetMs, keys.instancesChannel, forgetMs * 2])
    } catch (err) {
      throw asStoreError(err, target)
    }
  }

  async function roster (): Promise<Roster> {
    refuseWhenDisconnected()
    let flat: unknown
    try {
      flat = await connection.runScript(knownInstances, registryKeys, [forgetMs])
    } catch (err) {
      throw asStoreError(err, target)
    }
    const rows = Array.isArray(flat) ? (flat as string[]) : []
    const liveSince = Number(rows[0]) - staleMs
    const live: InstanceReport[] = []
    const silent: InstanceReport[] = []
    for (let i = 1; i + 2 < rows.length; i += 3) {
      const report = readReport(String(rows[i]), String(rows[i + 1]), String(rows[i + 2]))
      if (report === null) continue
      if (Number(rows[i + 1]) >= liveSince) live.push(report)
      else silent.push(report)
    }
    const byId = (a: InstanceReport, b: InstanceReport): number => a.id.localeCompare(b.id)
    return { live: live.sort(byId), silent: silent.sort(byId) }
  }

  return {
    start (report) {
      describe = report
      clearInterval(timer)
      // a missed heartbeat is retried by the next one; outages are reported by the store
      timer = setInterval(() => { publish().catch(() => {}) }, heartbeatMs)
      timer.unref()
      publish().catch(() => {})
    },

    reportNow: publish,

    async list () {
      return (await roster()).live
    },

    roster,

    waitFor (predicate, timeoutMs, onProgress) {
      const onWake = (wake: () => void): () => void => {
        wakers.add(wake)
        return () => { wakers.delete(wake) }
      }
      return pollUntil(roster, onWake, predicate, timeoutMs, heartbeatMs, onProgress)
    },

    async close () {
      clearInterval(timer)
      describe = null
      if (joinedAs === null) return
      const id = joinedAs
      joinedAs = null
      // best effort: if Redis is away, the entry goes stale by itself
      if (connection.isReady()) await connection.runScript(leave, registryKeys, [id, keys.instancesChannel]).catch(() => {})
    }
  }
}
