import type { Lease } from '../state/lease.js'

/** One instance on the file store: it is always the holder. */
export function createLocalLease (): Lease {
  return {
    tryAcquire: async () => true,
    release: async () => {}
  }
}
