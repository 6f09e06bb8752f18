import { errors } from '../errors.js'
import { MODES, NODE_STATES, type AllowEntry, type BypassToken, type Mode, type NodeSetting, type NodeState, type State } from './types.js'
import { rampProblem } from './ramp.js'
import { scheduleProblem } from './schedule.js'
import { flagsProblem } from './flags.js'

type Obj = Record<string, unknown>

function isObject (value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isIsoTime (value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

/**
 * Checks a state document read back from a store. Anything unexpected is an
 * error naming the field: a state we cannot trust is never served on a guess.
 */
export function parseStoredState (value: unknown, where: string): State {
  const fail = (why: string): never => { throw new errors.GK_ERR_STORE_CORRUPT(where, why) }
  if (!isObject(value)) return fail('the document is not a JSON object')
  const { version, mode, percent, reason, window, seed, allowlist, tokens, updatedAt, updatedBy, retryAfter } = value
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) fail('"version" is not a non-negative integer')
  if (typeof mode !== 'string' || !MODES.includes(mode as Mode)) fail(`"mode" is ${JSON.stringify(mode)}, not one of ${MODES.join(', ')}`)
  if (typeof percent !== 'number' || percent < 0 || percent > 100) fail('"percent" is not a number from 0 to 100')
  if (typeof reason !== 'string') fail('"reason" is not a string')
  if (typeof seed !== 'string' || seed.length === 0) fail('"seed" is not a non-empty string')
  if (!isObject(window)) fail('"window" is not an object')
  const win = window as Obj
  if (win.start !== undefined && !isIsoTime(win.start)) fail('"window.start" is not a time')
  if (win.end !== undefined && !isIsoTime(win.end)) fail('"window.end" is not a time')
  if (retryAfter !== undefined && (typeof retryAfter !== 'number' || retryAfter < 0)) fail('"retryAfter" is not a non-negative number')
  if (!Array.isArray(allowlist)) fail('"allowlist" is not an array')
  for (const [i, entry] of (allowlist as unknown[]).entries()) {
    if (!isObject(entry) || typeof entry.cidr !== 'string' || typeof entry.label !== 'string' ||
      (entry.expiresAt !== undefined && !isIsoTime(entry.expiresAt))) {
      fail(`"allowlist[${i}]" is not an entry {cidr, label, expiresAt?}`)
    }
    const sites = (entry as { sites?: unknown }).sites
    if (sites !== undefined && (!Array.isArray(sites) || !(sites as unknown[]).every((site) => typeof site === 'string'))) {
      fail(`"allowlist[${i}].sites" is not a list of site names`)
    }
  }
  if (!Array.isArray(tokens)) fail('"tokens" is not an array')
  for (const [i, token] of (tokens as unknown[]).entries()) {
    if (!isObject(token) || typeof token.name !== 'string' || typeof token.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(token.sha256) || !isIsoTime(token.expiresAt)) {
      fail(`"tokens[${i}]" is not a token {name, sha256, expiresAt}`)
    }
    const sites = (token as { sites?: unknown }).sites
    if (sites !== undefined && (!Array.isArray(sites) || !(sites as unknown[]).every((site) => typeof site === 'string'))) {
      fail(`"tokens[${i}].sites" is not a list of site names`)
    }
  }
  // a state stored before nodes existed has none: every node is in
  const nodes = value.nodes ?? {}
  if (!isObject(nodes)) fail('"nodes" is not an object')
  for (const [name, setting] of Object.entries(nodes as Obj)) {
    if (!isObject(setting) || typeof setting.state !== 'string' || !NODE_STATES.includes(setting.state as NodeState) ||
      typeof setting.reason !== 'string' || typeof setting.by !== 'string' || !isIsoTime(setting.at)) {
      fail(`"nodes.${name}" is not a node setting {state: ${NODE_STATES.join('|')}, reason, by, at}`)
    }
  }
  if (!isIsoTime(updatedAt)) fail('"updatedAt" is not a time')
  if (typeof updatedBy !== 'string') fail('"updatedBy" is not a string')
  const problem = (value.ramp === undefined ? null : rampProblem(value.ramp)) ?? (value.schedule === undefined ? null : scheduleProblem(value.schedule)) ??
    (value.flags === undefined ? null : flagsProblem(value.flags))
  if (problem !== null) fail(problem)
  return {
    ...value,
    allowlist: allowlist as AllowEntry[],
    tokens: tokens as BypassToken[],
    nodes: nodes as Record<string, NodeSetting>
  } as unknown as State
}
