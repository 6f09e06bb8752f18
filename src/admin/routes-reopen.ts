import type { FastifyInstance, FastifyRequest } from 'fastify'
import { errors } from '../errors.js'
import { figuresOf } from '../health/evaluate.js'
import { METRICS_CONTENT_TYPE } from '../metrics/metrics.js'
import { admissionOf, admissionQueryOf } from '../reopen/admission.js'
import { rampPlanOf } from '../reopen/plan-input.js'
import { abortRamp, pauseRamp, promoteRamp, resumeRamp, runningRamp, startRamp } from '../reopen/ramp.js'
import type { Reopen } from '../reopen-services.js'
import { extensionOf, scheduleInputOf } from '../schedule/input.js'
import { cancelSchedule, createSchedule, extendSchedule, openAtExtendedBy } from '../schedule/schedule.js'
import { bodyOf, optionalText } from '../input/body.js'
import { change, type AdminContext } from './context.js'

function actorOf (request: FastifyRequest): string {
  return request.adminToken?.name ?? 'unknown'
}

/**
 * Ramps, schedules, the admission dry run and /metrics. Every body is
 * checked before change() is called, and every mutation refuses what makes
 * no sense for the stored state: a refused call writes nothing.
 */
export async function reopenRoutes (app: FastifyInstance, ctx: AdminContext, reopen: Reopen): Promise<void> {
  const { clock } = reopen

  app.get('/v1/ramp', async () => {
    const state = ctx.runtime.current().state
    const ramp = state.ramp ?? null
    const running = runningRamp(state)
    const now = clock.now()
    const thresholds = running?.abortOn ?? ctx.config.healthGate.thresholds
    const from = Math.max(now - reopen.health.windowMs, running === undefined ? -Infinity : Date.parse(running.watchFrom))
    return {
      ramp,
      running: running !== undefined,
      mode: state.mode,
      percent: state.percent,
      step: running === undefined ? null : { number: running.index + 1, of: running.steps.length, percent: running.steps[running.index]?.percent ?? null },
      secondsToNextStep: running?.nextAt === undefined ? null : Math.max(0, Math.ceil((Date.parse(running.nextAt) - now) / 1000)),
      health: { thresholds, local: figuresOf(reopen.health.window(now), from, now), lastVerdict: reopen.healthGate.lastVerdict() }
    }
  })

  app.post('/v1/ramp', async (request, reply) => {
    const now = clock.now()
    const plan = rampPlanOf(bodyOf(request.body, ['steps', 'abortOn']), reopen.rampDefaults)
    return await change(ctx, request, reply, 'ramp.start', (current) => startRamp(current, plan, now, actorOf(request)))
  })

  app.post('/v1/ramp/pause', async (request, reply) => {
    const now = clock.now()
    const reason = optionalText(bodyOf(request.body, ['reason']), 'reason') ?? ''
    return await change(ctx, request, reply, 'ramp.pause', (current) => pauseRamp(current, now, actorOf(request), reason))
  })

  app.post('/v1/ramp/resume', async (request, reply) => {
    const now = clock.now()
    bodyOf(request.body, [])
    return await change(ctx, request, reply, 'ramp.resume', (current) => resumeRamp(current, now))
  })

  app.post('/v1/ramp/promote', async (request, reply) => {
    const now = clock.now()
    const body = bodyOf(request.body, ['full'])
    if (body.full !== undefined && typeof body.full !== 'boolean') throw new errors.GK_ERR_BAD_REQUEST('"full" must be true or false')
    return await change(ctx, request, reply, 'ramp.promote', (current) => promoteRamp(current, now, actorOf(request), body.full === true))
  })

  app.post('/v1/ramp/abort', async (request, reply) => {
    const now = clock.now()
    const actor = actorOf(request)
    const reason = optionalText(bodyOf(request.body, ['reason']), 'reason') ?? ''
    return await change(ctx, request, reply, 'ramp.abort', (current) => abortRamp(current, now, actor, reason === '' ? `aborted by ${actor}` : reason))
  })

  app.get('/v1/schedule', async () => {
    const schedule = ctx.runtime.current().state.schedule
    if (schedule === undefined) throw new errors.GK_ERR_NOT_FOUND('there is no schedule')
    return schedule
  })

  app.post('/v1/schedule', async (request, reply) => {
    const now = clock.now()
    const input = scheduleInputOf(request.body, now, reopen.rampDefaults)
    reply.code(201)
    const state = await change(ctx, request, reply, 'schedule.create', (current) => createSchedule(current, input, now, actorOf(request)))
    reply.header('location', '/v1/schedule')
    return state
  })

  app.post('/v1/schedule/extend', async (request, reply) => {
    const now = clock.now()
    const extension = extensionOf(request.body, now)
    return await change(ctx, request, reply, 'schedule.extend', (current) => {
      const openAt = 'openAt' in extension ? extension.openAt : openAtExtendedBy(current, extension.bySeconds)
      return extendSchedule(current, openAt, now)
    })
  })

  app.delete('/v1/schedule', async (request, reply) => {
    return await change(ctx, request, reply, 'schedule.cancel', (current) => cancelSchedule(current))
  })

  app.get('/v1/admission', async (request) => {
    const query = admissionQueryOf(request.query as Record<string, string | string[] | undefined>, ctx.config.staged.keyHeader)
    return admissionOf(ctx.runtime.current(), query, Date.now())
  })

  app.get('/metrics', async (_request, reply) => {
    reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE)
    return await reopen.metricsText()
  })
}
