import type { MinuteRecord } from './minute.js'

/** How long per-minute counts are kept: the issue asks for at least 7 days. */
export const RETENTION_MINUTES = 7 * 24 * 60

/**
 * Where finished minutes go and are read back from. On the file store, a
 * file next to the state file; on Redis, one hash an hour with a field per
 * instance and minute, expiring by itself. A read returns one record a
 * minute, every instance's counts merged, oldest first, minutes with
 * nothing counted left out.
 */
export interface CounterStore {
  write (record: MinuteRecord): Promise<void>
  /** the minutes from `fromMinute` to `toMinute`, both included */
  range (fromMinute: number, toMinute: number): Promise<MinuteRecord[]>
  close (): Promise<void>
}
