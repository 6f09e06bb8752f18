import { appendFile, readFile, stat } from 'node:fs/promises'
import { writeFileAtomic } from '../store/atomic-write.js'
import type { Clock } from '../reopen/clock.js'
import { RETENTION_MINUTES, type CounterStore } from './counter-store.js'
import { mergeMinutes, minuteOf, parseMinute, type MinuteRecord } from './minute.js'

export interface FileCounterStoreOptions {
  /** the counts file: by default the state file's path with `.timeline.jsonl` added */
  path: string
  clock: Clock
  /** kept minutes; older ones are dropped when the file is compacted */
  retentionMinutes?: number
}

/**
 * The embedded store's counts: one JSON line a finished minute, appended.
 * Once the file holds twice the retention in lines it is rewritten
 * (atomically) with the retained minutes alone, so it never holds more than
 * 2 × 10080 lines (a line is about 300 bytes, at most 2.5 KB with 32
 * tester names of 64 characters: under 50 MB at worst, about 6 MB
 * typically). Nothing is kept in memory but the line count.
 */
export function createFileCounterStore (options: FileCounterStoreOptions): CounterStore {
  const { path, clock } = options
  const retention = options.retentionMinutes ?? RETENTION_MINUTES
  let lines: number | null = null
  let queue: Promise<unknown> = Promise.resolve()

  async function readRecords (): Promise<MinuteRecord[]> {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const records: MinuteRecord[] = []
    for (const line of text.split('\n')) {
      if (line === '') continue
      try {
        const record = parseMinute(JSON.parse(line))
        if (record !== null) records.push(record)
      } catch {
        // a torn last line (a crash mid-append) is skipped, not fatal
      }
    }
    return records
  }

  async function countLines (): Promise<number> {
    try {
      await stat(path)
    } catch {
      return 0
    }
    return (await readRecords()).length
  }

  async function compact (): Promise<void> {
    const oldest = minuteOf(clock.now()) - retention
    const kept = (await readRecords()).filter((record) => record.m > oldest)
    await writeFileAtomic(path, kept.map((record) => JSON.stringify(record) + '\n').join(''))
    lines = kept.length
  }

  function serialised<T> (fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn)
    queue = run.catch(() => {})
    return run
  }

  return {
    write (record) {
      return serialised(async () => {
        lines ??= await countLines()
        await appendFile(path, JSON.stringify(record) + '\n')
        lines++
        if (lines >= 2 * retention) await compact()
      })
    },
    range (fromMinute, toMinute) {
      return serialised(async () => {
        const byMinute = new Map<number, MinuteRecord[]>()
        for (const record of await readRecords()) {
          if (record.m < fromMinute || record.m > toMinute) continue
          const list = byMinute.get(record.m)
          if (list === undefined) byMinute.set(record.m, [record])
          else list.push(record)
        }
        return [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([m, list]) => list.length === 1 ? list[0] as MinuteRecord : mergeMinutes(m, list))
      })
    },
    async close () {
      await queue
    }
  }
}

/** Where the file store keeps the counts: next to the state file. */
export function countsPathOf (statePath: string): string {
  return `${statePath}.timeline.jsonl`
}
