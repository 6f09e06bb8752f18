import { randomUUID } from 'node:crypto'
import type { Ramp, Schedule, State } from '../state/types.js'
import type { ChangeContext } from '../state/types.js'

export const EVENT_NAMES = [
  'mode.changed',
  'ramp.started', 'ramp.step', 'ramp.paused', 'ramp.resumed', 'ramp.completed', 'ramp.aborted', 'ramp.superseded',
  'schedule.created', 'schedule.closed', 'schedule.extended', 'schedule.cancelled', 'schedule.ended',
  'health.tripped', 'dependency.aborted',
  'window.ended'
] as const

export type EventName = typeof EVENT_NAMES[number]

/** The body of a webhook delivery. */
export interface GatekeeperEvent {
  /** unique per event; a retried delivery keeps it, so receivers can drop duplicates */
  id: string
  event: EventName
  at: string
  /** who made the change (a token name, or gatekeeper for ramps, schedules and the health gate) */
  actor: string
  action: string
  version: number
  state: { mode: State['mode'], percent: number, reason: string, eta: string | null }
  data: Record<string, unknown>
  /** the site whose state it is: with `sites:` only (every event of a site's state, `default`'s included) */
  site?: string
}

export function eventOf (event: EventName, state: State, ctx: Pick<ChangeContext, 'actor' | 'action'>, data: Record<string, unknown>, at = new Date()): GatekeeperEvent {
  return {
    id: randomUUID(),
    event,
    at: at.toISOString(),
    actor: ctx.actor,
    action: ctx.action,
    version: state.version,
    state: { mode: state.mode, percent: state.percent, reason: state.reason, eta: state.window.end ?? null },
    data
  }
}

function stepData (ramp: Ramp): Record<string, unknown> {
  const step = ramp.steps[ramp.index]
  return { index: ramp.index, steps: ramp.steps.length, percent: step?.percent ?? null, nextAt: ramp.nextAt ?? null }
}

function rampEvents (before: Ramp | undefined, after: Ramp | undefined, action: string): Array<[EventName, Record<string, unknown>]> {
  if (after === undefined) return []
  const found: Array<[EventName, Record<string, unknown>]> = []
  const fresh = before === undefined || before.startedAt !== after.startedAt
  if (fresh) found.push(['ramp.started', { steps: after.steps, abortOn: after.abortOn, startedBy: after.startedBy }])
  if (!fresh && before.index !== after.index) found.push(['ramp.step', { ...stepData(after), promoted: action === 'ramp.promote' }])
  if (!fresh && before.paused !== after.paused && after.ended === undefined) {
    found.push(after.paused
      ? ['ramp.paused', { ...stepData(after), by: after.pausedBy ?? null, reason: after.pauseReason ?? '' }]
      : ['ramp.resumed', stepData(after)])
  }
  if (after.ended !== undefined && (fresh || before.ended === undefined)) {
    const name: EventName = after.ended.outcome === 'aborted' ? 'ramp.aborted' : (after.ended.outcome === 'completed' ? 'ramp.completed' : 'ramp.superseded')
    found.push([name, { ...stepData(after), reason: after.ended.reason, by: after.ended.by }])
  }
  return found
}

function scheduleData (schedule: Schedule): Record<string, unknown> {
  return { closeAt: schedule.closeAt, openAt: schedule.openAt ?? null, then: schedule.then, reason: schedule.reason, phase: schedule.phase }
}

function scheduleEvents (before: Schedule | undefined, after: Schedule | undefined, action: string, state: State): Array<[EventName, Record<string, unknown>]> {
  if (before === undefined) return after === undefined ? [] : [['schedule.created', scheduleData(after)]]
  if (after === undefined) {
    return action === 'schedule.cancel'
      ? [['schedule.cancelled', scheduleData(before)]]
      : [['schedule.ended', { ...scheduleData(before), mode: state.mode }]]
  }
  const found: Array<[EventName, Record<string, unknown>]> = []
  if (before.phase !== after.phase) found.push(['schedule.closed', scheduleData(after)])
  if (before.openAt !== after.openAt) found.push(['schedule.extended', { ...scheduleData(after), previousOpenAt: before.openAt ?? null }])
  return found
}

/** The events one written change makes: a mode change, and what happened to the ramp and the schedule. */
export function eventsOf (before: State, after: State, ctx: ChangeContext): GatekeeperEvent[] {
  const found: Array<[EventName, Record<string, unknown>]> = []
  if (before.mode !== after.mode || before.percent !== after.percent) {
    found.push(['mode.changed', { from: { mode: before.mode, percent: before.percent }, to: { mode: after.mode, percent: after.percent } }])
  }
  found.push(...rampEvents(before.ramp, after.ramp, ctx.action))
  found.push(...scheduleEvents(before.schedule, after.schedule, ctx.action, after))
  const at = new Date(after.updatedAt)
  return found.map(([name, data]) => eventOf(name, after, ctx, data, Number.isNaN(at.getTime()) ? new Date() : at))
}

/** The events of one site's state, each naming the site; with no site (no `sites:`), the events as they are. */
export function withSite (events: readonly GatekeeperEvent[], site: string | undefined): GatekeeperEvent[] {
  return site === undefined ? [...events] : events.map((event) => ({ ...event, site }))
}

/** A notifier that names `site` in every event it passes on (none: passes them as they are). */
export function siteNotifier<N extends { publish (events: GatekeeperEvent[]): void }> (notifier: N, site: string | undefined): { publish (events: GatekeeperEvent[]): void } {
  return site === undefined ? notifier : { publish (events) { notifier.publish(withSite(events, site)) } }
}
