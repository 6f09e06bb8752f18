import type { Notifier, NotifierStats, WebhooksConfig } from './notifier.js'

export interface ReplaceableNotifier extends Notifier {
  /**
   * Publishes through a notifier for `config` from now on. The one it
   * replaces finishes what it has queued (to the endpoints those events were
   * published for) and is closed with the rest.
   */
  replace (config: WebhooksConfig): void
}

function sum (all: readonly NotifierStats[]): NotifierStats {
  const total: NotifierStats = { delivered: 0, failed: 0, retried: 0, dropped: 0, queued: 0, attempts: { ok: 0, rejected: 0, unanswered: 0 } }
  for (const stats of all) {
    total.delivered += stats.delivered
    total.failed += stats.failed
    total.retried += stats.retried
    total.dropped += stats.dropped
    total.queued += stats.queued
    total.attempts.ok += stats.attempts.ok
    total.attempts.rejected += stats.attempts.rejected
    total.attempts.unanswered += stats.attempts.unanswered
  }
  return total
}

/** The webhooks of a process whose configuration can be reloaded; the figures count every notifier it has had. */
export function replaceableNotifier (make: (config: WebhooksConfig) => Notifier, config: WebhooksConfig): ReplaceableNotifier {
  const all: Notifier[] = [make(config)]
  let current = all[0] as Notifier
  return {
    publish (events) { current.publish(events) },
    stats: () => sum(all.map((notifier) => notifier.stats())),
    async close () { await Promise.all(all.map(async (notifier) => { await notifier.close() })) },
    replace (next) {
      current = make(next)
      all.push(current)
    }
  }
}
