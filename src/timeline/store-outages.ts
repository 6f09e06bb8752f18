import type { Store } from '../store/store.js'

/**
 * Records in the audit, once the store is back, that it was out of reach:
 * when that began and why. The audit cannot be written while the store is
 * away, so the outage is told after it, by each instance that saw it (the
 * timeline shows those as one). The file store never reports an outage.
 */
export function noteStoreOutages (store: Pick<Store, 'subscribe' | 'note'>, instanceId: () => string, now: () => number, warn: (err: Error) => void): void {
  let since: number | null = null
  let reason = ''
  store.subscribe(() => {}, (report) => {
    if (!report.ok) {
      if (since === null) {
        since = now()
        reason = report.reason
      }
      return
    }
    if (since === null) return
    const began = new Date(since).toISOString()
    since = null
    store.note({ actor: 'gatekeeper', ip: '', action: 'store.recovered' }, { since: began, reason, instance: instanceId() })
      .catch((err: unknown) => { warn(err as Error) })
  })
}
