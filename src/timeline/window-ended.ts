import type { FeedNotifier } from '../feed/state-feed.js'
import { eventOf, type GatekeeperEvent } from '../notify/events.js'
import type { State } from '../state/types.js'
import type { AuditEntry } from '../state/types.js'
import type { MinuteRecord } from './minute.js'
import { timeZoneOf, timelineMarkdown } from './markdown.js'
import { buildTimeline } from './phases.js'
import { lastWindowStart } from './range.js'

export interface WindowEndedSources {
  readAudit (limit: number): Promise<AuditEntry[]>
  range (fromMs: number, toMs: number): Promise<MinuteRecord[]>
  /** the state in force, for the event's own fields */
  current (): State
  /**
   * the time zone the summary's Markdown is written in; default the
   * machine's, looked up only when a window ends (the time-zone data would
   * otherwise stay resident in every gatekeeper, some 6 MB)
   */
  tz?: string
  warn (err: Error): void
}

/** Entries read to find the window's start and the state it began in. */
const AUDIT_READ = 5000

function reopened (events: readonly GatekeeperEvent[]): GatekeeperEvent | undefined {
  return events.find((e) => {
    if (e.event !== 'mode.changed') return false
    const from = e.data.from as { mode?: string } | undefined
    const to = e.data.to as { mode?: string } | undefined
    return to?.mode === 'open' && from?.mode !== 'open'
  })
}

/**
 * Passes every event on, and once the site is fully open again after a
 * window, tells `window.ended` with the window's summary: its totals, its
 * phases, and the Markdown story. Only the instance that wrote the opening
 * publishes (the feed tells its own notifier alone), so a window ends once.
 */
export function withWindowEnded (notifier: FeedNotifier, sources: WindowEndedSources): FeedNotifier {
  async function summarise (opening: GatekeeperEvent): Promise<void> {
    const to = Date.parse(opening.at)
    const entries = await sources.readAudit(AUDIT_READ)
    const from = lastWindowStart(entries.filter((e) => Date.parse(e.at) <= to))
    if (from === null) return
    const end = Math.max(to, from + 1)
    const timeline = buildTimeline(entries, await sources.range(from, end), from, end)
    // the phases and totals: the per-minute counts stay behind GET /v1/timeline
    const data = { from: timeline.from, to: timeline.to, durationMs: end - from, totals: timeline.totals, phases: timeline.phases, markdown: timelineMarkdown(timeline, timeZoneOf(sources.tz)) }
    notifier.publish([eventOf('window.ended', sources.current(), { actor: opening.actor, action: opening.action }, data)])
  }
  return {
    publish (events) {
      notifier.publish(events)
      const opening = reopened(events)
      if (opening !== undefined) summarise(opening).catch((err: unknown) => { sources.warn(err as Error) })
    }
  }
}
