import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'
import type { RequestFacts } from '../gate/decide.js'
import { judge } from './admit.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'

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
/** Where a response sits among the requests in flight, written on the response itself. */
const SLOT = Symbol('gatekeeper public request slot')
type Tracked = ServerResponse & { [SLOT]?: number }

export function createPublicRequests (runtime: GateRuntime, cutoffMsOf: () => number, log: FastifyBaseLogger) {
  // The requests in flight, each in a slot of two arrays that only ever grow,
  // with the free slots' numbers on a stack: entering and leaving write a
  // slot and allocate nothing. A Map keyed by response was measured to make
  // the old generation's collections three times as frequent and the p99
  // twice as long: the tables it discards as requests come and go keep the
  // requests they held alive through the young generation's collections
  // (bench/RESULTS.md, "The floor of the stack").
  let responses: Array<Tracked | undefined> = []
  let factsOf: Array<RequestFacts | undefined> = []
  const free: number[] = []
  let count = 0
  let timer: NodeJS.Timeout | undefined

  function slotFor (): number {
    const slot = free.pop()
    if (slot !== undefined) return slot
    const grown = Math.max(64, responses.length * 2)
    const first = responses.length
    responses = [...responses, ...new Array<undefined>(grown - first).fill(undefined)]
    factsOf = [...factsOf, ...new Array<undefined>(grown - first).fill(undefined)]
    for (let i = grown - 1; i > first; i--) free.push(i)
    return first
  }

  function cut (): void {
    timer = undefined
    const snapshot = runtime.current()
    const now = Date.now()
    let cutCount = 0
    for (let i = 0; i < responses.length; i++) {
      const response = responses[i]
      const facts = factsOf[i]
      if (response === undefined || facts === undefined || judge(snapshot, facts, now).pass) continue
      cutCount++
      // its 'close' takes it off the count and aborts its upstream request
      response.destroy()
    }
    if (cutCount > 0) log.info({ count: cutCount, mode: snapshot.mode, cutoffMs: cutoffMsOf() }, 'cut public requests the gate no longer admits')
  }

  runtime.onApplied((snapshot) => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (snapshot.mode === 'open' || count === 0) return
    timer = setTimeout(cut, cutoffMsOf())
    timer.unref()
  })

  function leave (response: Tracked): void {
    const slot = response[SLOT]
    // a response that was never counted, or has left already (its slot may hold another by now)
    if (slot === undefined || responses[slot] !== response) return
    responses[slot] = undefined
    factsOf[slot] = undefined
    response[SLOT] = undefined
    free.push(slot)
    count--
    runtime.inFlight--
  }

  return {
    /** A public request the gate passed: counted until its response closes. */
    enter (response: Tracked, facts: RequestFacts): void {
      if (response[SLOT] !== undefined && responses[response[SLOT]] === response) return
      const slot = slotFor()
      responses[slot] = response
      factsOf[slot] = facts
      response[SLOT] = slot
      count++
      runtime.inFlight++
    },
    /** Its response has closed, however it ended. */
    leave,
    /** `leave` as a response's 'close' listener: one function for every request. */
    onClose (this: ServerResponse): void {
      leave(this)
    },
    /** the public requests in flight */
    get size (): number {
      return count
    },
    close (): void {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
  }
}

export type PublicRequests = ReturnType<typeof createPublicRequests>
