import type { FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { State } from '../state/types.js'

interface WaitQuery { wait?: string, timeout?: string }

export interface WaitOptions { wait: 'applied' | 'drained' | undefined, timeoutMs: number }

/** Read before the change is made: a bad ?wait= must not leave a change behind a 400. */
export function waitOptions (request: FastifyRequest): WaitOptions {
  const query = request.query as WaitQuery
  const wait = query.wait
  if (wait !== undefined && wait !== 'applied' && wait !== 'drained') throw new errors.GK_ERR_BAD_REQUEST('"wait" must be "applied" or "drained"')
  const timeout = query.timeout ?? '10'
  if (!/^\d{1,4}$/.test(timeout) || Number(timeout) < 1 || Number(timeout) > 3600) throw new errors.GK_ERR_BAD_REQUEST('"timeout" must be a whole number of seconds from 1 to 3600')
  return { wait, timeoutMs: Number(timeout) * 1000 }
}

/** One instance: applied as soon as the change returns; drained when no public request or socket is left. */
export function createLocalConfirm (runtime: GateRuntime) {
  return async function confirm ({ wait, timeoutMs }: WaitOptions, state: State): Promise<Record<string, unknown> | undefined> {
    if (wait === undefined) return undefined
    const deadline = Date.now() + timeoutMs
    const drained = (): boolean => runtime.inFlight === 0 && runtime.webSockets === 0
    if (wait === 'drained') {
      while (!drained() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const instances = [{ id: 'local', version: runtime.current().version, inFlight: runtime.inFlight, webSockets: runtime.webSockets }]
    if (wait === 'drained' && !drained()) {
      const err = new errors.GK_ERR_TIMEOUT(`not drained after ${timeoutMs / 1000} s: ${runtime.inFlight} public requests and ${runtime.webSockets} public websockets still open`)
      Object.assign(err, { laggards: instances })
      throw err
    }
    return { wait, version: state.version, instances }
  }
}
