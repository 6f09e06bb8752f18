import { durationSeconds, type ParsedArgs } from './args.js'
import { AdminRefusal, type AdminAnswer } from './client.js'
import type { Invocation } from './command.js'
import { usageError } from './errors.js'
import { humanDuration, isRecord, plural, recordsOf, textOf } from './format.js'
import { createProgress } from './progress.js'

export type WaitFor = 'applied' | 'drained'

export interface ChangeFlags {
  ifMatch: number | undefined
  wait: WaitFor | undefined
  timeoutSeconds: number
}

const DEFAULT_WAIT_SECONDS = 10
const POLL_MS = 250

export function changeFlagsOf (name: string, parsed: ParsedArgs): ChangeFlags {
  const ifMatchText = parsed.string('if-match')
  let ifMatch: number | undefined
  if (ifMatchText !== undefined) {
    const match = /^"?(\d{1,15})"?$/.exec(ifMatchText.trim())
    if (match === null) throw usageError(`gatekeeper ${name}: --if-match must be a state version such as 12, got ${JSON.stringify(ifMatchText)}`)
    ifMatch = Number(match[1])
  }
  const waitText = parsed.string('wait')
  if (waitText !== undefined && waitText !== 'applied' && waitText !== 'drained') {
    throw usageError(`gatekeeper ${name}: --wait must be "applied" or "drained", got ${JSON.stringify(waitText)}`)
  }
  const timeoutText = parsed.string('timeout')
  if (timeoutText !== undefined && waitText === undefined) throw usageError(`gatekeeper ${name}: --timeout applies to --wait; add --wait applied or --wait drained`)
  const timeoutSeconds = timeoutText === undefined ? DEFAULT_WAIT_SECONDS : durationSeconds(timeoutText, `gatekeeper ${name}: --timeout`, 1, 3600)
  return { ifMatch, wait: waitText, timeoutSeconds }
}

/**
 * Sends one change. With --wait, the API holds the answer until the change
 * is confirmed; meanwhile the instances are polled and their progress drawn
 * on stderr, so the sysadmin sees who is lagging rather than a frozen prompt.
 * The progress is judged on the sites the change is made on: the path's
 * site (none: the top-level state), or `sites` for a change made on several
 * at once (a window).
 */
export async function sendChange (inv: Invocation, method: string, path: string, body: unknown, flags: ChangeFlags, sites?: readonly string[]): Promise<AdminAnswer> {
  const { client } = inv
  if (flags.wait === undefined) return await client.call(method, path, { body, ifMatch: flags.ifMatch })

  const judged: ReadonlyArray<string | undefined> = sites ?? [siteOfPath(path)]
  const before = new Map<string | undefined, number>()
  for (const site of judged) {
    before.set(site, flags.ifMatch ?? versionOf((await client.call('GET', site === undefined ? '/v1/state' : `/v1/sites/${site}/state`)).body))
  }
  const started = inv.io.now()
  const progress = createProgress(inv.io.progressStream)
  let settled = false
  const answer = client.call(method, path, {
    body,
    ifMatch: flags.ifMatch,
    query: { wait: flags.wait, timeout: flags.timeoutSeconds },
    // the API answers 504 itself when its own wait runs out; this margin only catches a silent hang
    timeoutMs: (flags.timeoutSeconds + 10) * 1000,
    waiting: true
  })
  answer.then(() => { settled = true }, () => { settled = true })

  let canList = true
  let line = `waiting for every instance to ${flags.wait === 'drained' ? 'apply the change and drain' : 'apply the change'}…`
  // a first look only after one poll interval: the change has then had time to be applied, and a
  // wait that is over by then prints no progress at all; `settled` flips in the answer's callbacks
  for (;;) {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([answer.catch(() => undefined), new Promise((resolve) => { timer = setTimeout(resolve, POLL_MS) })])
    clearTimeout(timer)
    if (settled) break
    if (canList) {
      try {
        const roster = (await client.call('GET', '/v1/instances')).body
        line = describeWait(flags.wait, recordsOf(instancesIn(roster)).map((instance) => figuresOf(instance, before)), recordsOf(isRecord(roster) ? roster.silent : undefined))
      } catch (err) {
        // an API without GET /v1/instances (or a viewer hiccup) still lets the wait itself finish
        if (err instanceof AdminRefusal && err.statusCode === 404) canList = false
      }
    }
    if (settled) break
    progress.update(line, humanDuration(inv.io.now() - started))
  }
  try {
    const result = await answer
    progress.done(confirmationLine(result.body, flags.wait))
    return result
  } catch (err) {
    progress.done()
    throw err
  }
}

/** `/v1/sites/app1/close` → `app1`: a change on a site is waited for, and its progress told, on that site's figures. */
function siteOfPath (path: string): string | undefined {
  return /^\/v1\/sites\/([a-z0-9-]+)\//.exec(path)?.[1]
}

interface InstanceFigures { id: string, applied: boolean, inFlight: number, webSockets: number }

const countOf = (value: unknown): number => (typeof value === 'number' ? value : 0)

/**
 * An instance as the progress line reads it, over the sites judged: applied
 * when it is past the version each had before, and its public requests and
 * websockets on those sites. A site it reports nothing for is not applied.
 */
function figuresOf (instance: Record<string, unknown>, before: ReadonlyMap<string | undefined, number>): InstanceFigures {
  const figures = { id: textOf(instance.id), applied: true, inFlight: 0, webSockets: 0 }
  for (const [site, version] of before) {
    const own = site === undefined ? instance : isRecord(instance.sites) && isRecord(instance.sites[site]) ? instance.sites[site] : {}
    if (!(typeof own.version === 'number' && own.version > version)) figures.applied = false
    figures.inFlight += countOf(own.inFlight)
    figures.webSockets += countOf(own.webSockets)
  }
  return figures
}

function versionOf (state: unknown): number {
  return isRecord(state) && typeof state.version === 'number' ? state.version : 0
}

/** GET /v1/instances answers a list, or an object holding one. */
export function instancesIn (body: unknown): unknown {
  return isRecord(body) && Array.isArray(body.instances) ? body.instances : body
}

function describeWait (wait: WaitFor, instances: InstanceFigures[], silent: Array<Record<string, unknown>>): string {
  const applied = instances.filter((instance) => instance.applied)
  const behind = [
    ...instances.filter((instance) => !instance.applied).map((instance) => instance.id),
    ...silent.map((instance) => `${textOf(instance.id)} (silent)`)
  ]
  let line = `${applied.length} of ${plural(instances.length, 'instance')} applied the change`
  if (behind.length > 0) line += `; waiting on ${behind.slice(0, 5).join(', ')}${behind.length > 5 ? ` and ${behind.length - 5} more` : ''}`
  if (wait === 'drained') {
    const requests = instances.reduce((sum, instance) => sum + instance.inFlight, 0)
    const sockets = instances.reduce((sum, instance) => sum + instance.webSockets, 0)
    line += `; ${plural(requests, 'public request')} in flight, ${plural(sockets, 'public websocket')} open`
  }
  return line
}

function confirmationLine (body: unknown, wait: WaitFor): string {
  const confirmation = isRecord(body) && isRecord(body.confirmation) ? body.confirmation : {}
  const instances = recordsOf(confirmation.instances)
  const site = typeof confirmation.site === 'string' ? ` of ${confirmation.site}` : ''
  // a window's: the version of each of its sites
  const versions = isRecord(confirmation.versions) && typeof confirmation.site !== 'string'
    ? ` (${Object.entries(confirmation.versions).map(([name, version]) => `version ${textOf(version)} of ${name}`).join(', ')})`
    : ''
  const version = typeof confirmation.version === 'number' ? ` (version ${confirmation.version}${site})` : versions
  return wait === 'drained'
    ? `drained: applied on ${plural(instances.length, 'instance')}${version}, no public request in flight, no public websocket open`
    : `applied on ${plural(instances.length, 'instance')}${version}`
}
