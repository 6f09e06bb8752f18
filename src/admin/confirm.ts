import type { FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import type { State } from '../state/types.js'
import type { InstanceRegistry, InstanceReport } from '../store/instances.js'
import { withDetails } from './error-details.js'

/** `?wait=&timeout=`, as CHANGE_QUERY (src/admin/schemas.ts) let it through. */
interface WaitQuery { wait?: WaitFor, timeout?: string }

export type WaitFor = 'applied' | 'drained'

export interface WaitOptions { wait: WaitFor | undefined, timeoutMs: number }

/** Read before the change is made: a timeout out of range must not leave a change behind a 400. */
export function waitOptions (request: FastifyRequest): WaitOptions {
  const { wait, timeout = '10' } = (request.query ?? {}) as WaitQuery
  // a route whose schema forgot CHANGE_QUERY must still not wait on a word it does not know
  if (wait !== undefined && wait !== 'applied' && wait !== 'drained') throw new errors.GK_ERR_BAD_FIELD('query.wait', `must be one of applied, drained, got ${JSON.stringify(wait)}`)
  const seconds = Number(timeout)
  if (!/^[0-9]{1,4}$/.test(timeout) || seconds < 1 || seconds > 3600) throw new errors.GK_ERR_BAD_FIELD('query.timeout', `must be whole seconds from 1 to 3600, got ${JSON.stringify(timeout)}`)
  return { wait, timeoutMs: seconds * 1000 }
}

export type Confirm = (wait: WaitOptions, state: State) => Promise<Record<string, unknown> | undefined>

/** One instance is done when it has applied `version` and, for a drain, has no public request or websocket left. */
function isDone (wait: WaitFor, version: number, instance: InstanceReport): boolean {
  if (instance.version < version) return false
  return wait === 'applied' || (instance.inFlight === 0 && instance.webSockets === 0)
}

/**
 * Done when this instance is among the live ones (an empty list, because
 * the registry was just wiped or cannot be read, proves nothing), every live
 * instance is done, and none fell silent without leaving: a silent one may
 * be cut off from the store and still serving the state before the change.
 */
export function isConfirmed (wait: WaitFor, version: number, self: string, live: InstanceReport[], silent: InstanceReport[]): boolean {
  return silent.length === 0 && live.some((instance) => instance.id === self) &&
    live.every((instance) => isDone(wait, version, instance))
}

function why (wait: WaitFor, version: number, instance: InstanceReport): string {
  if (instance.version < version) return `at version ${instance.version}`
  return `${instance.inFlight} public requests and ${instance.webSockets} public websockets still open`
}

/**
 * Waits, when the change asked (?wait=applied|drained), until every
 * instance reports it: the answer lists them; on a timeout, a 504 lists the
 * laggards. The change itself stands either way: the wait only tells whether
 * it has reached everyone yet.
 */
export function createConfirm (registry: InstanceRegistry, self: () => string,
  log?: { debug (fields: Record<string, unknown>, message: string): void }): Confirm {
  return async function confirm ({ wait, timeoutMs }, state) {
    if (wait === undefined) return undefined
    const version = state.version
    const result = await registry.waitFor((live, silent) => isConfirmed(wait, version, self(), live, silent), timeoutMs, (live) => {
      log?.debug({ wait, version, instances: live.map((i) => ({ id: i.id, version: i.version, inFlight: i.inFlight, webSockets: i.webSockets })) }, 'waiting for every instance')
    })
    if (result.ok) return { wait, version, instances: result.live }

    const laggards = [
      ...result.live.filter((instance) => !isDone(wait, version, instance)).map((instance) => ({ ...instance, silent: false })),
      ...result.silent.map((instance) => ({ ...instance, silent: true }))
    ]
    const waitingOn = laggards.map((instance) => instance.silent
      ? `${instance.id} (silent since ${instance.seenAt}: it may still be serving an older state)`
      : `${instance.id} (${why(wait, version, instance)})`)
    if (!result.live.some((instance) => instance.id === self())) {
      waitingOn.push(result.live.length === 0 && result.silent.length === 0
        ? 'the list of instances could not be read from the state store'
        : `${self()} (this instance has not reported since the change)`)
    }
    const outcome = wait === 'drained' ? 'applied it and drained' : 'applied it'
    const err = new errors.GK_ERR_TIMEOUT(version, outcome, timeoutMs / 1000, waitingOn.join(', '))
    throw withDetails(err, { wait, version, laggards, instances: result.live, silent: result.silent })
  }
}
