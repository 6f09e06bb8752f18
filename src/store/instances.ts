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
  startedAt: string
  /** when the registry last heard from it (the registry's clock, not the instance's) */
  seenAt: string
}

export type InstanceSnapshot = Omit<InstanceReport, 'seenAt'>

export interface WaitResult {
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
  /** Live instances only. */
  list (): Promise<InstanceReport[]>
  /**
   * Resolves once `predicate` holds for the live instances, or with ok false
   * when `timeoutMs` passes. `onProgress` sees the list each time it changes.
   */
  waitFor (predicate: (instances: InstanceReport[]) => boolean, timeoutMs: number,
    onProgress?: (instances: InstanceReport[]) => void): Promise<WaitResult>
  /** Stops reporting and leaves the list at once. */
  close (): Promise<void>
}

/** What a wait re-reads: the signature of a list, so that progress is told only when it moves. */
function progressKey (instances: InstanceReport[]): string {
  return JSON.stringify(instances.map((i) => [i.id, i.version, i.inFlight, i.webSockets]))
}

/**
 * The loop behind waitFor: re-read the list when woken (a report was
 * published) or every `pollMs`, until the predicate holds or time is up. A
 * failed read is never judged: an empty list because Redis is away must not
 * pass for "every instance has applied it".
 */
export async function pollUntil (
  read: () => Promise<InstanceReport[]>,
  onWake: (wake: () => void) => () => void,
  predicate: (instances: InstanceReport[]) => boolean,
  timeoutMs: number,
  pollMs: number,
  onProgress?: (instances: InstanceReport[]) => void
): Promise<WaitResult> {
  const deadline = Date.now() + timeoutMs
  let last: InstanceReport[] = []
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
          onProgress?.(last)
        }
        if (predicate(last)) return { ok: true, instances: last }
      }
      const left = deadline - Date.now()
      if (left <= 0) return { ok: false, instances: last }
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

    waitFor (predicate, timeoutMs, onProgress) {
      const onWake = (wake: () => void): () => void => {
        wakers.add(wake)
        return () => { wakers.delete(wake) }
      }
      return pollUntil(async () => current(), onWake, predicate, timeoutMs, pollMs, onProgress)
    },

    async close () {
      report = null
    }
  }
}
