import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config/config.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import type { State } from '../state/types.js'
import type { InstanceRegistry } from '../store/instances.js'
import type { Mutation, StateWriter } from '../store/store.js'
import { waitOptions, type Confirm } from './confirm.js'
import { expectedVersion } from './if-match.js'
import type { Readiness } from './readiness.js'
import type { Nodes } from '../nodes/nodes.js'
import type { SiteStates } from '../sites/site-states.js'

/** What the admin routes share. */
export interface AdminContext {
  config: Config
  /** the state feed: a change returns once it is in force here (workers, gate, firewall) */
  store: StateWriter
  runtime: GateRuntime
  /** extra facts for /healthz from other parts (pages, firewall) */
  healthDetails: () => Record<string, unknown>
  /** the instances sharing this state: this one alone on the file store */
  instances: InstanceRegistry
  /** waits, when the request asks (?wait=applied|drained), until the change has reached every instance */
  confirm: Confirm
  /** for /readyz: told by the process when the public listener is up and when it begins to stop */
  readiness: Readiness
  /** the application nodes of this instance (GET/POST /v1/nodes) */
  nodes: Nodes
  /** every site's state (`sites:`); absent in a context built without them */
  sites?: SiteStates
  /** the site this context acts on, recorded in each change's audit entry; absent without `sites:` */
  site?: string
}

/** What a site's `dependsOn` said of an opening: the closed ones it was forced past, and what to warn of. */
export interface DependencyOutcome {
  forced: string[]
  warnings: string[]
}

/** The state as the API shows it: no token hashes, no bucket seed (it is the key of the sticky cookies). */
export function publicState (state: State): Record<string, unknown> {
  const { seed: _seed, tokens, ...rest } = state
  return { ...rest, tokens: tokens.map((token) => ({ name: token.name, expiresAt: token.expiresAt, createdBy: token.createdBy, createdAt: token.createdAt })) }
}

/** Applies one change through the store, honouring If-Match, and answers with the new state. */
export async function change (ctx: AdminContext, request: FastifyRequest, reply: FastifyReply, action: string, mutation: Mutation, dependencies?: DependencyOutcome): Promise<Record<string, unknown>> {
  const expected = expectedVersion(request.headers['if-match'])
  const wait = waitOptions(request)
  const actor = request.adminToken?.name ?? 'unknown'
  const forced = dependencies === undefined || dependencies.forced.length === 0 ? {} : { forced: dependencies.forced }
  const state = await ctx.store.update({ actor, ip: request.ip, action, ...(ctx.site === undefined ? {} : { site: ctx.site }), ...forced }, mutation, expected)
  request.log.info({ actor, action, version: state.version, mode: state.mode, percent: state.percent }, 'state changed')
  reply.header('etag', `"${state.version}"`)
  const confirmation = wait.wait === undefined ? undefined : await ctx.confirm(wait, [{ site: ctx.site, version: state.version }])
  const warnings = dependencies === undefined || dependencies.warnings.length === 0 ? {} : { warnings: dependencies.warnings }
  const body = { ...publicState(state), ...warnings }
  return confirmation === undefined ? body : { ...body, confirmation }
}
