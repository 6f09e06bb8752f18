import type { FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { DEFAULT_SITE } from '../sites/config.js'
import type { InstanceRegistry, InstanceReport, SiteReport } from '../store/instances.js'
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

/**
 * What a wait waits for: a state's version, judged on a site's figures in
 * each instance's report; without a site (or `default`), on the top-level
 * figures, as always.
 */
export interface WaitTarget { site?: string | undefined, version: number }

export type Confirm = (wait: WaitOptions, targets: readonly WaitTarget[]) => Promise<Record<string, unknown> | undefined>

/** The top-level site: the report's own fields, which an instance that predates `sites:` reports too. */
function isTopLevel (site: string | undefined): site is undefined {
  return site === undefined || site === DEFAULT_SITE
}

/** The figures a target is judged on; null when the instance reports nothing for that site (it waits). */
function figuresOf (instance: InstanceReport, site: string | undefined): SiteReport | null {
  return isTopLevel(site) ? instance : instance.sites?.[site] ?? null
}

function targetDone (wait: WaitFor, target: WaitTarget, instance: InstanceReport): boolean {
  const figures = figuresOf(instance, target.site)
  if (figures === null || figures.version < target.version) return false
  return wait === 'applied' || (figures.inFlight === 0 && figures.webSockets === 0)
}

/** One instance is done when, for every target, it has applied the version and, for a drain, has no public request or websocket left on that site. */
function isDone (wait: WaitFor, targets: readonly WaitTarget[], instance: InstanceReport): boolean {
  return targets.every((target) => targetDone(wait, target, instance))
}

/**
 * Done when this instance is among the live ones (an empty list, because
 * the registry was just wiped or cannot be read, proves nothing), every live
 * instance is done, and none fell silent without leaving: a silent one may
 * be cut off from the store and still serving the state before the change.
 */
export function isConfirmed (wait: WaitFor, targets: readonly WaitTarget[], self: string, live: InstanceReport[], silent: InstanceReport[]): boolean {
  return silent.length === 0 && live.some((instance) => instance.id === self) &&
    live.every((instance) => isDone(wait, targets, instance))
}

function whyTarget (target: WaitTarget, instance: InstanceReport): string {
  const figures = figuresOf(instance, target.site)
  const prefix = isTopLevel(target.site) ? '' : `${target.site}: `
  if (figures === null) return `${prefix}not reported by this instance`
  if (figures.version < target.version) return `${prefix}at version ${figures.version}`
  return `${prefix}${figures.inFlight} public requests and ${figures.webSockets} public websockets still open`
}

function why (wait: WaitFor, targets: readonly WaitTarget[], instance: InstanceReport): string {
  return targets.filter((target) => !targetDone(wait, target, instance)).map((target) => whyTarget(target, instance)).join('; ')
}

/**
 * What the answer says was waited for: one change's `version` (and its
 * `site`, other than `default`); with sites, `versions` by site (a window's
 * every site).
 */
function waitedFor (targets: readonly WaitTarget[]): { identity: Record<string, unknown>, label: string } {
  const [only] = targets
  const named = targets.filter((target) => !isTopLevel(target.site))
  const versions = named.length === 0 ? {} : { versions: Object.fromEntries(targets.map((target) => [target.site ?? DEFAULT_SITE, target.version])) }
  if (targets.length === 1 && only !== undefined) {
    if (isTopLevel(only.site)) return { identity: { version: only.version }, label: String(only.version) }
    return { identity: { site: only.site, version: only.version, ...versions }, label: `${only.version} of ${only.site}` }
  }
  return { identity: versions, label: targets.map((target) => `${target.version} of ${target.site ?? DEFAULT_SITE}`).join(', ') }
}

/**
 * Waits, when the change asked (?wait=applied|drained), until every
 * instance reports it: the answer lists them; on a timeout, a 504 lists the
 * laggards. The change itself stands either way: the wait only tells whether
 * it has reached everyone yet.
 */
export function createConfirm (registry: InstanceRegistry, self: () => string,
  log?: { debug (fields: Record<string, unknown>, message: string): void }): Confirm {
  return async function confirm ({ wait, timeoutMs }, targets) {
    if (wait === undefined) return undefined
    const { identity, label } = waitedFor(targets)
    const result = await registry.waitFor((live, silent) => isConfirmed(wait, targets, self(), live, silent), timeoutMs, (live) => {
      log?.debug({ wait, ...identity, instances: live.map((i) => ({ id: i.id, version: i.version, inFlight: i.inFlight, webSockets: i.webSockets, ...(i.sites === undefined ? {} : { sites: i.sites }) })) }, 'waiting for every instance')
    })
    if (result.ok) return { wait, ...identity, instances: result.live }

    const laggards = [
      ...result.live.filter((instance) => !isDone(wait, targets, instance)).map((instance) => ({ ...instance, silent: false })),
      ...result.silent.map((instance) => ({ ...instance, silent: true }))
    ]
    const waitingOn = laggards.map((instance) => instance.silent
      ? `${instance.id} (silent since ${instance.seenAt}: it may still be serving an older state)`
      : `${instance.id} (${why(wait, targets, instance)})`)
    if (!result.live.some((instance) => instance.id === self())) {
      waitingOn.push(result.live.length === 0 && result.silent.length === 0
        ? 'the list of instances could not be read from the state store'
        : `${self()} (this instance has not reported since the change)`)
    }
    const outcome = wait === 'drained' ? 'applied it and drained' : 'applied it'
    const err = new errors.GK_ERR_TIMEOUT(label, outcome, timeoutMs / 1000, waitingOn.join(', '))
    throw withDetails(err, { wait, ...identity, laggards, instances: result.live, silent: result.silent })
  }
}
