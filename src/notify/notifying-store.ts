import type { State } from '../state/types.js'
import type { Store } from '../store/store.js'
import { eventsOf, type GatekeeperEvent } from './events.js'

/**
 * The store, telling the notifier what each change written through it did.
 * The instance that writes a change is the one that tells, so with several
 * instances each event goes out once. Telling never fails a change.
 */
export function withNotifications<S extends Store> (store: S, publish: (events: GatekeeperEvent[]) => void,
  log: { warn (fields: Record<string, unknown>, message: string): void }): S {
  const update: Store['update'] = async (ctx, mutation, expectedVersion) => {
    let before: State | null = null
    const after = await store.update(ctx, (current) => {
      before = current
      return mutation(current)
    }, expectedVersion)
    const was = before as State | null
    if (was !== null) {
      try {
        publish(eventsOf(was, after, ctx))
      } catch (err) {
        log.warn({ action: ctx.action, err: (err as Error).message }, 'could not queue the notifications of a change')
      }
    }
    return after
  }
  return { ...store, update }
}
