import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { withNodeState } from '../state/node-changes.js'
import { NODE_STATES, type NodeState } from '../state/types.js'
import type { AdminContext } from './context.js'
import type { ContextOf } from './routes-mode.js'
import { waitOptions } from './confirm.js'
import { withDetails } from './error-details.js'
import { expectedVersion } from './if-match.js'
import { changeSchema, object, readSchema, text, type Schema } from './schemas.js'

const NODE: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    url: { type: 'string' },
    weight: { type: 'number' },
    state: { type: 'string', enum: [...NODE_STATES] },
    reason: { type: 'string' },
    health: { type: 'string', enum: ['up', 'down', 'unknown'] },
    inFlight: { type: 'integer' },
    requests: { type: 'integer' },
    errors: { type: 'integer' },
    lastCheck: { type: ['string', 'null'] }
  }
}
const NAME: Record<string, Schema> = { name: { type: 'string', description: 'a configured node name' } }
const NAME_PARAM = object(NAME, ['name'])
const SET_STATE = object({
  state: { type: 'string', enum: [...NODE_STATES], description: `one of ${NODE_STATES.join(', ')}` },
  reason: text(500)
}, ['state'])
const CHANGED: Schema = { type: 'object', properties: { version: { type: 'integer' }, node: NODE, confirmation: { type: 'object' } } }

interface NameParams { name: string }
interface SetBody { state: NodeState, reason?: string }

export interface NodeRouteOptions {
  /** `/v1` (the default), or `/v1/sites/:site` */
  base?: string
  /** the schema of the base's params, added to each route's */
  params?: Record<string, unknown>
}

/** The application nodes: their states, health and counts; the operator sets a node's state. On a site, its own nodes and state. */
export async function nodeRoutes (app: FastifyInstance, context: AdminContext | ContextOf, options: NodeRouteOptions = {}): Promise<void> {
  const { base = '/v1' } = options
  const ctxOf: ContextOf = typeof context === 'function' ? context : () => context
  const baseParams = options.params as { properties?: Record<string, Schema>, required?: string[] } | undefined
  // a node's routes take the base's params and the node's name
  const nameParams = baseParams === undefined ? NAME_PARAM : object({ ...baseParams.properties, ...NAME }, [...(baseParams.required ?? []), 'name'])
  const listParams = options.params === undefined ? {} : { params: options.params }
  app.get(`${base}/nodes`, { schema: readSchema('every node: its state, health, requests in flight and counts', object({ nodes: { type: 'array', items: NODE } }), listParams) }, async (request, reply) => {
    const ctx = ctxOf(request)
    reply.header('etag', `"${ctx.runtime.current().version}"`)
    return { nodes: ctx.nodes.list() }
  })

  app.get<{ Params: NameParams }>(`${base}/nodes/:name`, { schema: readSchema('one node', NODE, { params: nameParams }) }, async (request) => {
    const ctx = ctxOf(request)
    const node = ctx.nodes.list().find((candidate) => candidate.name === request.params.name)
    if (node === undefined) throw new errors.GK_ERR_NOT_FOUND(`node named ${JSON.stringify(request.params.name)} (configured: ${ctx.nodes.list().map((n) => n.name).join(', ')})`)
    return node
  })

  app.post<{ Params: NameParams, Body: SetBody }>(`${base}/nodes/:name`, { schema: changeSchema({ summary: 'set a node\'s state: in, drain, out or testers', body: SET_STATE, params: nameParams, reply: CHANGED }) }, async (request, reply) => {
    const ctx = ctxOf(request)
    const now = Date.now()
    const name = request.params.name
    // everything is checked before anything changes
    const state = request.body.state
    const reason = request.body.reason ?? ''
    const expected = expectedVersion(request.headers['if-match'])
    const wait = waitOptions(request)
    if (wait.wait === 'drained' && state !== 'drain' && state !== 'out') {
      throw new errors.GK_ERR_BAD_COMBINATION(`query.wait=drained waits for a node set to drain or out, not ${state}`)
    }
    if (!ctx.nodes.has(name)) {
      throw new errors.GK_ERR_NOT_FOUND(`node named ${JSON.stringify(name)} (configured: ${ctx.nodes.list().map((n) => n.name).join(', ')})`)
    }
    const actor = request.adminToken?.name ?? 'unknown'
    const next = await ctx.store.update({ actor, ip: request.ip, action: 'node.state', ...(ctx.site === undefined ? {} : { site: ctx.site }) }, (current) => withNodeState(current, { name, state, reason, by: actor }, now), expected)
    request.log.info({ actor, action: 'node.state', node: name, state, version: next.version }, 'node state changed')
    reply.header('etag', `"${next.version}"`)
    const report = () => ({ version: next.version, node: ctx.nodes.list().find((candidate) => candidate.name === name) })
    if (wait.wait === 'applied') return { ...report(), confirmation: await ctx.confirm(wait, [{ site: ctx.site, version: next.version }]) }
    if (wait.wait === 'drained') {
      const drained = await ctx.nodes.waitIdle(name, wait.timeoutMs)
      if (!drained) {
        const left = ctx.nodes.inFlightOf(name)
        const err = new errors.GK_ERR_TIMEOUT(`the change is made (version ${next.version}), but the node ${name} still has ${left} request${left === 1 ? '' : 's'} in flight on this instance after ${wait.timeoutMs / 1000} s`)
        throw withDetails(err, { wait: 'drained', version: next.version, node: name, inFlight: left })
      }
      return { ...report(), confirmation: { wait: 'drained', node: name, inFlight: 0 } }
    }
    return report()
  })
}
