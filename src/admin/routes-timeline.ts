import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Clock } from '../reopen/clock.js'
import type { MinuteRecord } from '../timeline/minute.js'
import { timelineMarkdown, timeZoneOf } from '../timeline/markdown.js'
import { buildTimeline, type Timeline } from '../timeline/phases.js'
import { checkedRange, lastWindowStart, timeOf } from '../timeline/range.js'
import type { AdminContext } from './context.js'
import type { ContextOf } from './routes-mode.js'
import { object, readSchema, type Schema } from './schemas.js'

/** What the timeline reads of the counts (src/timeline/timeline-counts.ts). */
export interface TimelineSource {
  range (fromMs: number, toMs: number): Promise<MinuteRecord[]>
}

/** Entries read to find the window and the state it began in: more than a night needs. */
const AUDIT_READ = 5000
/** With no window in the audit read, the timeline looks back this far. */
const DEFAULT_LOOKBACK_MS = 12 * 60 * 60_000

const TIME = 'now, a time of day such as 22:00 (the last time the clock in tz read so), or ISO 8601'
const QUERY = object({
  from: { type: 'string', maxLength: 40, description: `${TIME}; default: the start of the current or last window` },
  to: { type: 'string', maxLength: 40, description: `${TIME}; default: now` },
  tz: { type: 'string', maxLength: 64, description: 'the IANA time zone of the times shown and typed (default: the machine\'s)' },
  format: { type: 'string', enum: ['json', 'markdown'], description: 'json (default), or the Markdown story as text/markdown' }
})

const EXPERIENCE: Schema = { type: 'object', description: 'public requests let through and turned away, distinct public clients on the page, tester requests and names, the upstream\'s 5xx share and p99 (ms, at bucket resolution)' }
const TIMELINE_REPLY = object({
  from: { type: 'string' },
  to: { type: 'string' },
  tz: { type: 'string' },
  phases: {
    type: 'array',
    description: 'one a change: start, end, durationMs, mode, percent, eta, the events that began it (at, kind, action, who, reason, what, figures) and what people experienced',
    items: object({
      start: { type: 'string' },
      end: { type: 'string' },
      durationMs: { type: 'integer' },
      mode: { type: 'string' },
      percent: { type: 'number' },
      eta: { type: ['string', 'null'] },
      events: { type: 'array', items: { type: 'object' } },
      experience: EXPERIENCE
    })
  },
  totals: object({
    closedMs: { type: 'integer' },
    degradedMs: { type: 'integer' },
    longestWaitMs: { type: 'integer', description: 'the longest run of consecutive minutes in which someone got the maintenance page' },
    plannedEta: { type: ['string', 'null'] },
    finalEta: { type: ['string', 'null'] },
    reopenedAt: { type: ['string', 'null'] },
    lateByMs: { type: ['integer', 'null'], description: 'reopenedAt − plannedEta; negative when early' },
    experience: EXPERIENCE
  }),
  minutes: { type: 'array', items: { type: 'object' }, description: 'each minute that counted something: at, admitted, turnedAway, testerRequests, answers, errors5xx, failures, p99Ms' },
  markdown: { type: 'string', description: 'the same story in Markdown' }
})

const SCHEMA = readSchema('the timeline of the current or last window: phases with who, why, how long and what people experienced', TIMELINE_REPLY, { querystring: QUERY })

interface TimelineQuery { from?: string, to?: string, tz?: string, format?: 'json' | 'markdown' }

export interface TimelineRouteOptions {
  /** `/v1` (the default), or `/v1/sites/:site` */
  base?: string
  /** the schema of the base's params */
  params?: Record<string, unknown>
  /** the counts of the state a call is for: `counts` by default */
  countsOf?: (request: FastifyRequest) => TimelineSource
}

/** The night's timeline, for viewers: JSON, or the Markdown story; `default`'s, or (with a base) a site's. */
export async function timelineRoutes (app: FastifyInstance, context: AdminContext | ContextOf, counts: TimelineSource, clock: Clock, options: TimelineRouteOptions = {}): Promise<void> {
  const { base = '/v1', params } = options
  const ctxOf: ContextOf = typeof context === 'function' ? context : () => context
  const countsOf = options.countsOf ?? (() => counts)
  app.get<{ Querystring: TimelineQuery }>(`${base}/timeline`, { schema: params === undefined ? SCHEMA : { ...SCHEMA, params } }, async (request, reply) => {
    const { query } = request
    const ctx = ctxOf(request)
    const source = countsOf(request)
    const tz = timeZoneOf(query.tz, 'query.tz')
    const now = clock.now()
    const entries = await ctx.store.readAudit(AUDIT_READ)
    // now, and never before the last change: the audit is stamped by the wall clock, the counts by the drivers' clock
    const latest = entries.length === 0 ? now : Date.parse(entries[0]?.at ?? '')
    const to = query.to === undefined ? Math.max(now, Number.isFinite(latest) ? latest : now) : timeOf(query.to, 'query.to', tz, now)
    const from = query.from === undefined
      ? (lastWindowStart(entries.filter((e) => Date.parse(e.at) <= to)) ?? to - DEFAULT_LOOKBACK_MS)
      : timeOf(query.from, 'query.from', tz, now)
    // a window that began this very moment is still a window
    const range = checkedRange(from, query.to === undefined ? Math.max(to, from + 1) : to)
    const timeline: Timeline = buildTimeline(entries, await source.range(range.from, range.to), range.from, range.to)
    const markdown = timelineMarkdown(timeline, tz)
    reply.header('cache-control', 'no-store')
    if (query.format === 'markdown') return await reply.type('text/markdown; charset=utf-8').serializer((text: string) => text).send(markdown)
    return { ...timeline, tz, markdown }
  })
}
