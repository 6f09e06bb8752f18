/**
 * Who may drive ramps, schedules and the health gate right now. With several
 * instances on one store, each asks before it writes a due transition; only
 * the holder goes ahead (the version check on the write makes a transition
 * land once even if two ever believed they held it).
 *
 * `tryAcquire` takes the lease or, when this instance already holds it,
 * renews it; it answers false when another instance holds it.
 */
export interface Lease {
  tryAcquire (): Promise<boolean>
  release (): Promise<void>
}
