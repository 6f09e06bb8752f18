import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { RequestFacts } from '../gate/decide.js'
import { judge } from './admit.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { createSlotSet } from '../connections/slot-set.js'

/**
 * The public's plain HTTP requests in flight (testers' are not among them),
 * each with the facts it was admitted on: the count a drain waits for.
 *
 * After a change of state that would no longer admit some of them (a close;
 * read-only, for a write), they get `cutoffMs` to finish; then they are cut:
 * the client's connection is destroyed, which aborts the request to the
 * upstream and takes them off the count. A slow upload started before a
 * close cannot keep the window from starting, and drained means drained.
 * `cutoffMsOf` is read at each change (a reload may set it). Each change starts the cut-off anew, as it does for WebSockets; a change
 * back to open cancels it.
 */
export function createPublicRequests (runtime: GateRuntime, cutoffMsOf: () => number, log: FastifyBaseLogger) {
  // entering and leaving allocate nothing (a Map here tripled the old generation's collections: slot-set.ts)
  const live = createSlotSet<ServerResponse, RequestFacts>()
  let timer: NodeJS.Timeout | undefined

  function cut (): void {
    timer = undefined
    const snapshot = runtime.current()
    const now = Date.now()
    let count = 0
    live.forEach((response, facts) => {
      if (judge(snapshot, facts, now).pass) return
      count++
      // its 'close' takes it off the count and aborts its upstream request
      response.destroy()
    })
    if (count > 0) log.info({ count, mode: snapshot.mode, cutoffMs: cutoffMsOf() }, 'cut public requests the gate no longer admits')
  }

  runtime.onApplied((snapshot) => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (snapshot.mode === 'open' || live.size === 0) return
    timer = setTimeout(cut, cutoffMsOf())
    timer.unref()
  })

  function leave (response: ServerResponse): void {
    if (live.delete(response)) runtime.inFlight--
  }

  return {
    /** A public request the gate passed: counted until its response closes. */
    enter (response: ServerResponse, facts: RequestFacts): void {
      // counted once, however often it is entered
      if (live.add(response, facts)) runtime.inFlight++
    },
    /** Its response has closed, however it ended. */
    leave,
    /** `leave` as a response's 'close' listener: one function for every request. */
    onClose (this: ServerResponse): void {
      leave(this)
    },
    close (): void {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
  }
}

export type PublicRequests = ReturnType<typeof createPublicRequests>
