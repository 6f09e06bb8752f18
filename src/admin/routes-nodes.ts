import type { FastifyInstance } from 'fastify'
import { errors } from '../errors.js'
import { bodyOf, optionalText } from '../input/body.js'
import { withNodeState } from '../state/node-changes.js'
import { NODE_STATES, type NodeState } from '../state/types.js'
import type { AdminContext } from './context.js'
import { waitOptions } from './confirm.js'
import { withDetails } from './error-details.js'
import { expectedVersion } from './if-match.js'

function nodeStateOf (value: unknown): NodeState {
  if (value === undefined) throw new errors.GK_ERR_BAD_REQUEST(`"state" is required: one of ${NODE_STATES.join(', ')}`)
  if (typeof value !== 'string' || !NODE_STATES.includes(value as NodeState)) {
    throw new errors.GK_ERR_BAD_REQUEST(`"state" must be one of ${NODE_STATES.join(', ')}, got ${JSON.stringify(value)}`)
  }
  return value as NodeState
}

/** The application nodes: their states, health and counts; the operator sets a node's state. */
export async function nodeRoutes (app: FastifyInstance, ctx: AdminContext): Promise<void> {
  app.get('/v1/nodes', async (_request, reply) => {
    reply.header('etag', `"${ctx.runtime.current().version}"`)
    return { nodes: ctx.nodes.list() }
  })

  app.get<{ Params: { name: string } }>('/v1/nodes/:name', async (request) => {
    const node = ctx.nodes.list().find((candidate) => candidate.name === request.params.name)
    if (node === undefined) throw new errors.GK_ERR_NOT_FOUND(`no node is named ${JSON.stringify(request.params.name)} (configured: ${ctx.nodes.list().map((n) => n.name).join(', ')})`)
    return node
  })

  app.post<{ Params: { name: string } }>('/v1/nodes/:name', async (request, reply) => {
    const now = Date.now()
    const name = request.params.name
    // everything is checked before anything changes
    const body = bodyOf(request.body, ['state', 'reason'])
    const state = nodeStateOf(body.state)
    const reason = optionalText(body, 'reason') ?? ''
    const expected = expectedVersion(request.headers['if-match'])
    const wait = waitOptions(request)
    if (wait.wait === 'drained' && state !== 'drain' && state !== 'out') {
      throw new errors.GK_ERR_BAD_REQUEST(`"wait=drained" waits for a node set to drain or out, not ${state}`)
    }
    if (!ctx.nodes.has(name)) {
      throw new errors.GK_ERR_NOT_FOUND(`no node is named ${JSON.stringify(name)} (configured: ${ctx.nodes.list().map((n) => n.name).join(', ')})`)
    }
    const actor = request.adminToken?.name ?? 'unknown'
    const next = await ctx.store.update({ actor, ip: request.ip, action: 'node.state' }, (current) => withNodeState(current, { name, state, reason, by: actor }, now), expected)
    ctx.runtime.apply(next)
    request.log.info({ actor, action: 'node.state', node: name, state, version: next.version }, 'node state changed')
    reply.header('etag', `"${next.version}"`)
    const report = () => ({ version: next.version, node: ctx.nodes.list().find((candidate) => candidate.name === name) })
    if (wait.wait === 'applied') return { ...report(), confirmation: await ctx.confirm(wait, next) }
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
