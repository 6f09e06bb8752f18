import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { withNodeState } from '../state/node-changes.js'
import { NODE_STATES, type NodeState } from '../state/types.js'
import type { AdminContext } from './context.js'
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
const NAME_PARAM = object({ name: { type: 'string', description: 'a configured node name' } }, ['name'])
const SET_STATE = object({
  state: { type: 'string', enum: [...NODE_STATES], description: `one of ${NODE_STATES.join(', ')}` },
  reason: text(500)
}, ['state'])
const CHANGED: Schema = { type: 'object', properties: { version: { type: 'integer' }, node: NODE, confirmation: { type: 'object' } } }

interface NameParams { name: string }
interface SetBody { state: NodeState, reason?: string }

/** The application nodes: their states, health and counts; the operator sets a node's state. */
export async function nodeRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/nodes', { schema: readSchema('every node: its state, health, requests in flight and counts', object({ nodes: { type: 'array', items: NODE } })) }, async (_request, reply) => {
    reply.header('etag', `"${ctx.runtime.current().version}"`)
    return { nodes: ctx.nodes.list() }
  })

  app.get<{ Params: NameParams }>('/v1/nodes/:name', { schema: readSchema('one node', NODE, { params: NAME_PARAM }) }, async (request) => {
    const node = ctx.nodes.list().find((candidate) => candidate.name === request.params.name)
    if (node === undefined) throw new errors.GK_ERR_NOT_FOUND(`node named ${JSON.stringify(request.params.name)} (configured: ${ctx.nodes.list().map((n) => n.name).join(', ')})`)
    return node
  })

  app.post<{ Params: NameParams, Body: SetBody }>('/v1/nodes/:name', { schema: changeSchema({ summary: 'set a node\'s state: in, drain, out or testers', body: SET_STATE, params: NAME_PARAM, reply: CHANGED }) }, async (request, reply) => {
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
    const next = await ctx.store.update({ actor, ip: request.ip, action: 'node.state' }, (current) => withNodeState(current, { name, state, reason, by: actor }, now), expected)
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
