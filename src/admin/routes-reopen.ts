import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { figuresOf } from '../health/evaluate.js'
import { METRICS_CONTENT_TYPE } from '../metrics/metrics.js'
import { admissionOf, admissionQueryOf, type AdmissionParams } from '../reopen/admission.js'
import { rampPlanOf } from '../reopen/plan-input.js'
import { abortRamp, pauseRamp, promoteRamp, resumeRamp, runningRamp, startRamp } from '../reopen/ramp.js'
import type { GateReopen, Reopen } from '../reopen-services.js'
import { extensionOf, scheduleInputOf, type ScheduleBody } from '../schedule/input.js'
import { cancelSchedule, createSchedule, extendSchedule, openAtExtendedBy } from '../schedule/schedule.js'
import type { HealthThresholds } from '../state/types.js'
import { change, type AdminContext, type DependencyOutcome } from './context.js'
import type { ContextOf } from './routes-mode.js'
import { NOTHING, STATE_REPLY, changeSchema, readSchema, type Schema } from './schemas.js'
import { ADMISSION_QUERY, EXTEND_BODY, PROMOTE_BODY, RAMP_BODY, REASON_BODY, SCHEDULE_BODY, withForce } from './schemas-reopen.js'
import { checkDependencies } from './routes-sites.js'

interface RampBody { steps?: unknown[], abortOn?: Partial<HealthThresholds>, force?: boolean }
interface ReasonBody { reason?: string }

const ANY: Schema = { type: 'object' }

function actorOf (request: FastifyRequest): string {
  return request.adminToken?.name ?? 'unknown'
}

export interface ReopenRouteOptions {
  /** `/v1` (the default), or `/v1/sites/:site` */
  base?: string
  /** the schema of the base's params */
  params?: Record<string, unknown>
  /** the drivers and health gate of the state a call acts on: `default`'s by default */
  gateOf?: (request: FastifyRequest) => Pick<GateReopen, 'health' | 'healthGate'>
}

/**
 * Ramps, schedules, the admission dry run and /metrics (on `/v1` only).
 * Every body is checked before change() is called, and every mutation
 * refuses what makes no sense for the stored state: a refused call writes nothing.
 */
/**
 * With sites: starting or promoting a ramp stages the site more widely,
 * checked as a stage is (409 while a dependency is closed, unless forced).
 * Undefined without sites.
 */
function dependenciesOf (ctx: AdminContext): ((force: boolean) => DependencyOutcome) | undefined {
  const { sites, site } = ctx
  if (ctx.config.sites === undefined || sites === undefined || site === undefined) return undefined
  return (force) => checkDependencies(sites, site, force)
}

export async function reopenRoutes (app: FastifyInstance, context: AdminContext | ContextOf, reopen: Reopen, options: ReopenRouteOptions = {}): Promise<void> {
  const { clock } = reopen
  const { base = '/v1', params } = options
  const ctxOf: ContextOf = typeof context === 'function' ? context : () => context
  const gateOf = options.gateOf ?? (() => reopen)
  const withParams = <T extends Record<string, unknown>>(schema: T): T => params === undefined ? schema : { ...schema, params }
  // `force` is a field only with sites: (a site's routes are only there with them)
  const withSites = typeof context === 'function' || context.config.sites !== undefined
  const forcible = (body: Schema): Schema => withSites ? withForce(body) : body

  app.get(`${base}/ramp`, { schema: withParams(readSchema('the ramp, its step and the health figures it is judged on', ANY)) }, async (request) => {
    const ctx = ctxOf(request)
    const { health, healthGate } = gateOf(request)
    const state = ctx.runtime.current().state
    const ramp = state.ramp ?? null
    const running = runningRamp(state)
    const now = clock.now()
    const thresholds = running?.abortOn ?? ctx.config.healthGate.thresholds
    const from = Math.max(now - health.windowMs, running === undefined ? -Infinity : Date.parse(running.watchFrom))
    return {
      ramp,
      running: running !== undefined,
      mode: state.mode,
      percent: state.percent,
      step: running === undefined ? null : { number: running.index + 1, of: running.steps.length, percent: running.steps[running.index]?.percent ?? null },
      secondsToNextStep: running?.nextAt === undefined ? null : Math.max(0, Math.ceil((Date.parse(running.nextAt) - now) / 1000)),
      held: running?.held ?? null,
      health: { thresholds, local: figuresOf(health.window(now), from, now), lastVerdict: healthGate.lastVerdict() }
    }
  })

  app.post<{ Body: RampBody }>(`${base}/ramp`, { schema: withParams(changeSchema({ summary: 'start a ramp', body: forcible(RAMP_BODY) })) }, async (request, reply) => {
    const now = clock.now()
    const plan = rampPlanOf(request.body, reopen.rampDefaults)
    const ctx = ctxOf(request)
    const dependencies = dependenciesOf(ctx)
    const force = request.body.force === true
    const outcome = dependencies?.(force)
    return await change(ctx, request, reply, 'ramp.start', (current) => startRamp(current, plan, now, actorOf(request), force && dependencies !== undefined), outcome)
  })

  app.post<{ Body: ReasonBody }>(`${base}/ramp/pause`, { schema: withParams(changeSchema({ summary: 'pause the ramp', body: REASON_BODY })) }, async (request, reply) => {
    const now = clock.now()
    const reason = request.body.reason ?? ''
    return await change(ctxOf(request), request, reply, 'ramp.pause', (current) => pauseRamp(current, now, actorOf(request), reason))
  })

  app.post(`${base}/ramp/resume`, { schema: withParams(changeSchema({ summary: 'resume the paused ramp', body: NOTHING })) }, async (request, reply) => {
    const now = clock.now()
    return await change(ctxOf(request), request, reply, 'ramp.resume', (current) => resumeRamp(current, now))
  })

  app.post<{ Body: { full?: boolean, force?: boolean } }>(`${base}/ramp/promote`, { schema: withParams(changeSchema({ summary: 'go to the next step now', body: forcible(PROMOTE_BODY) })) }, async (request, reply) => {
    const now = clock.now()
    const ctx = ctxOf(request)
    // a forced ramp's promotion is forced as its steps are
    const outcome = dependenciesOf(ctx)?.(request.body.force === true || runningRamp(ctx.runtime.current().state)?.force === true)
    return await change(ctx, request, reply, 'ramp.promote', (current) => promoteRamp(current, now, actorOf(request), request.body.full === true), outcome)
  })

  app.post<{ Body: ReasonBody }>(`${base}/ramp/abort`, { schema: withParams(changeSchema({ summary: 'abort the ramp: back to closed', body: REASON_BODY })) }, async (request, reply) => {
    const now = clock.now()
    const actor = actorOf(request)
    const reason = request.body.reason ?? ''
    return await change(ctxOf(request), request, reply, 'ramp.abort', (current) => abortRamp(current, now, actor, reason === '' ? `aborted by ${actor}` : reason))
  })

  app.get(`${base}/schedule`, { schema: withParams(readSchema('the schedule (404 when there is none)', ANY)) }, async (request) => {
    const schedule = ctxOf(request).runtime.current().state.schedule
    if (schedule === undefined) throw new errors.GK_ERR_NOT_FOUND('schedule')
    return schedule
  })

  app.post<{ Body: ScheduleBody }>(`${base}/schedule`, { schema: withParams(changeSchema({ summary: 'close and reopen on a schedule', body: forcible(SCHEDULE_BODY), created: STATE_REPLY })) }, async (request, reply) => {
    const now = clock.now()
    const input = scheduleInputOf(request.body, now, reopen.rampDefaults)
    const ctx = ctxOf(request)
    // a forced schedule names, in its audit entry, the dependencies closed when it was made
    const outcome = input.force === true ? dependenciesOf(ctx)?.(true) : undefined
    reply.code(201)
    const state = await change(ctx, request, reply, 'schedule.create', (current) => createSchedule(current, input, now, actorOf(request)), outcome)
    reply.header('location', request.url.split('?', 1)[0] ?? '/v1/schedule')
    return state
  })

  app.post<{ Body: { openAt?: string, by?: number | string } }>(`${base}/schedule/extend`, { schema: withParams(changeSchema({ summary: 'move the schedule\'s openAt', body: EXTEND_BODY })) }, async (request, reply) => {
    const now = clock.now()
    const extension = extensionOf(request.body, now)
    return await change(ctxOf(request), request, reply, 'schedule.extend', (current) => {
      const openAt = 'openAt' in extension ? extension.openAt : openAtExtendedBy(current, extension.bySeconds)
      return extendSchedule(current, openAt, now)
    })
  })

  app.delete(`${base}/schedule`, { schema: withParams(changeSchema({ summary: 'cancel the schedule' })) }, async (request, reply) => {
    return await change(ctxOf(request), request, reply, 'schedule.cancel', (current) => cancelSchedule(current))
  })

  app.get<{ Querystring: AdmissionParams }>(`${base}/admission`, { schema: withParams(readSchema('dry run: would this client get in, and why', ANY, { querystring: ADMISSION_QUERY })) }, async (request) => {
    const ctx = ctxOf(request)
    const query = admissionQueryOf(request.query, ctx.config.staged.keyHeader)
    return admissionOf(ctx.runtime.current(), query, Date.now())
  })

  if (base !== '/v1') return
  const metrics = { summary: 'Prometheus metrics, as text', querystring: NOTHING, response: { 200: { type: 'string', description: 'the Prometheus text format' } } }
  app.get('/metrics', { schema: metrics }, async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE)
    return await reopen.metricsText()
  })
}
