/** One site's figures in an instance's report: what a `?wait=` on that site is judged on. */
export interface SiteReport {
  /** the version of the site's state this instance has applied */
  version: number
  /** the site's public requests in flight */
  inFlight: number
  /** the site's open public WebSockets */
  webSockets: number
}

/** What one gatekeeper instance tells the others about itself. */
export interface InstanceReport {
  id: string
  host: string
  pid: number
  /** the state version this instance has applied */
  version: number
  /** public requests in flight */
  inFlight: number
  /** open public WebSockets */
  webSockets: number
  /**
   * With `sites:`, each site's own figures (the top-level ones above stay
   * the top-level state's, `default`'s, as before): absent without sites,
   * and from an instance that predates them.
   */
  sites?: Record<string, SiteReport>
  startedAt: string
  /** when the registry last heard from it (the registry's clock, not the instance's) */
  seenAt: string
  /** this instance's upstream health window while staged, for the health gate to merge (opaque here) */
  health?: unknown
  /** the same of each site other than default that is staged (`sites:`), by its name (opaque here) */
  siteHealth?: Record<string, unknown>
}

export type InstanceSnapshot = Omit<InstanceReport, 'seenAt'>

/** The instances a registry knows of: those reporting, and those that fell silent without leaving. */
export interface Roster {
  live: InstanceReport[]
  /**
   * Stopped reporting without leaving (crashed, or cut off from the shared
   * store) within the registry's memory: such an instance may still be
   * serving an older state to whoever reaches it.
   */
  silent: InstanceReport[]
}

export type InstancePredicate = (instances: InstanceReport[], silent: InstanceReport[]) => boolean

export interface WaitResult extends Roster {
  /** the predicate held before the timeout */
  ok: boolean
  /** the live instances as last seen: on a timeout, the laggards are among them */
  instances: InstanceReport[]
}

/**
 * The live instances of one deployment. Each instance starts it with a
 * function that describes itself; the registry publishes that description
 * on a heartbeat, and an instance that stops reporting drops out.
 */
export interface InstanceRegistry {
  start (report: () => InstanceSnapshot): void
  /** Publishes at once, e.g. right after applying a state or when the last request of a drain ends. */
  reportNow (): Promise<void>
  /** Live instances only, sorted by id. */
  list (): Promise<InstanceReport[]>
  /** Live instances and those that fell silent. */
  roster (): Promise<Roster>
  /**
   * Resolves once `predicate` holds for the live (and silent) instances, or
   * with ok false when `timeoutMs` passes. `onProgress` sees the live list
   * each time it changes.
   */
  waitFor (predicate: InstancePredicate, timeoutMs: number,
    onProgress?: (instances: InstanceReport[]) => void): Promise<WaitResult>
  /** Stops reporting and leaves the list at once. */
  close (): Promise<void>
}

/** The part of a roster that progress is about: told again only when it moves. */
function progressKey (roster: Roster): string {
  return JSON.stringify([roster.live.map((i) => [i.id, i.version, i.inFlight, i.webSockets, i.sites ?? null]), roster.silent.map((i) => i.id)])
}

/**
 * The loop behind waitFor: re-read the list when woken (a report was
 * published) or every `pollMs`, until the predicate holds or time is up. A
 * failed read is never judged: an empty list because Redis is away must not
 * pass for "every instance has applied it".
 */
export async function pollUntil (
  read: () => Promise<Roster>,
  onWake: (wake: () => void) => () => void,
  predicate: InstancePredicate,
  timeoutMs: number,
  pollMs: number,
  onProgress?: (instances: InstanceReport[]) => void
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutMs
  let last: Roster = { live: [], silent: [] }
  let shown: string | undefined
  let woken = false
  let stopSleeping: (() => void) | null = null
  const stopListening = onWake(() => {
    woken = true
    stopSleeping?.()
  })
  try {
    for (;;) {
      woken = false
      let fresh = true
      try {
        last = await read()
      } catch {
        fresh = false
      }
      if (fresh) {
        const key = progressKey(last)
        if (key !== shown) {
          shown = key
          onProgress?.(last.live)
        }
        if (predicate(last.live, last.silent)) return { ok: true, instances: last.live, ...last }
      }
      const left = deadline - Date.now()
      if (left <= 0) return { ok: false, instances: last.live, ...last }
      if (woken) continue
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(pollMs, left))
        function done (): void {
          clearTimeout(timer)
          stopSleeping = null
          resolve()
        }
        stopSleeping = done
      })
    }
  } finally {
    stopListening()
  }
}

/** One process on the file store: the only live instance is this one. */
export function createLocalRegistry (pollMs = 50): InstanceRegistry {
  let report: (() => InstanceSnapshot) | null = null
  const wakers = new Set<() => void>()

  function current (): InstanceReport[] {
    return report === null ? [] : [{ ...report(), seenAt: new Date().toISOString() }]
  }

  return {
    start (describe) {
      report = describe
    },

    async reportNow () {
      for (const wake of wakers) wake()
    },

    async list () {
      return current()
    },

    async roster () {
      return { live: current(), silent: [] }
    },

    waitFor (predicate, timeoutMs, onProgress) {
      const onWake = (wake: () => void): () => void => {
        wakers.add(wake)
        return () => { wakers.delete(wake) }
      }
      return pollUntil(async () => ({ live: current(), silent: [] }), onWake, predicate, timeoutMs, pollMs, onProgress)
    },

    async close () {
      report = null
    }
  }
}
