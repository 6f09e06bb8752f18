import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { Decision, RequestFacts } from '../src/gate/decide.js'
import { createMinuteCounter } from '../src/timeline/counter.js'
import { RETENTION_MINUTES } from '../src/timeline/counter-store.js'
import { createFileCounterStore } from '../src/timeline/file-counter-store.js'
import { minuteOf } from '../src/timeline/minute.js'
import { tempDir } from './helpers/harness.js'
import { createManualClock } from './helpers/manual-clock.js'

const HELD: Decision = { pass: false, reason: 'closed' }
const PASSED: Decision = { pass: true, reason: 'open' }
const BY_TOKEN: Decision = { pass: true, reason: 'bypass' }

function facts (clientIp: string, bypassToken?: string): RequestFacts {
  return { method: 'GET', url: '/', clientIp, bypassToken, stickyCookie: undefined, stagedKey: undefined, upgrade: false }
}

/** The stated bounds: at most twice the retention in lines on disk, each line small. */
const MAX_LINES = 2 * RETENTION_MINUTES
const MAX_LINE_BYTES = 2560

t.test('a month of per-minute counts stays within the stated bounds on disk and keeps the last 7 days', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'state.json.timeline.jsonl')
  const clock = createManualClock(Date.parse('2026-10-01T00:00:00Z'))
  const store = createFileCounterStore({ path, clock })
  let writes: Promise<void> = Promise.resolve()
  const counter = createMinuteCounter({
    clock,
    names: { token: () => 'token qa', address: () => 'Office' },
    flush: (record) => { writes = writes.then(async () => { await store.write(record) }) }
  })
  counter.start()
  const month = 30 * 24 * 60
  let maxLines = 0
  for (let i = 0; i < month; i++) {
    // many clients each minute: the sketch stays 64 registers whatever their number
    for (let c = 0; c < 40; c++) counter.decision(HELD, { facts: facts(`198.51.${i % 200}.${c}`), decision: HELD, audience: 'public' })
    counter.decision(PASSED, { facts: facts('192.0.2.1'), decision: PASSED, audience: 'public' })
    counter.decision(BY_TOKEN, { facts: facts('192.0.2.9', 'secret-' + String(i % 50)), decision: BY_TOKEN, audience: 'tester' })
    counter.upstream.response(i % 10 === 0 ? 503 : 200, 30, '192.0.2.1')
    clock.advance(60_000)
    if (i % 1440 === 1439) {
      await writes
      maxLines = Math.max(maxLines, readFileSync(path, 'utf8').split('\n').length - 1)
    }
  }
  await writes
  counter.stop()
  await writes
  await store.close()

  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '')
  maxLines = Math.max(maxLines, lines.length)
  t.ok(maxLines <= MAX_LINES, `at most ${MAX_LINES} lines on disk (saw ${maxLines})`)
  const longest = Math.max(...lines.map((l) => Buffer.byteLength(l)))
  t.ok(longest <= MAX_LINE_BYTES, `a line is at most ${MAX_LINE_BYTES} bytes (saw ${longest})`)
  t.ok(statSync(path).size <= MAX_LINES * MAX_LINE_BYTES, 'the file stays under its bound')

  const last = minuteOf(clock.now()) - 1
  const week = await store.range(last - RETENTION_MINUTES + 1, last)
  t.equal(week.length, RETENTION_MINUTES, 'the last 7 days are all there, one record a minute')
  t.match(week[week.length - 1], { turnedAway: 40, admitted: 1, testerRequests: 1, testers: ['token qa'] })
  const ancient = await store.range(minuteOf(Date.parse('2026-10-01T00:00:00Z')), minuteOf(Date.parse('2026-10-10T00:00:00Z')))
  t.equal(ancient.length, 0, 'the first days of the month are gone')
  t.same(counter.current().admitted, 0, 'the counter itself holds the minute in progress only')
})
