import t from 'tap'
import type { Decision, RequestFacts } from '../src/gate/decide.js'
import { createMinuteCounter } from '../src/timeline/counter.js'
import type { MinuteRecord } from '../src/timeline/minute.js'
import { createManualClock } from './helpers/manual-clock.js'

const HELD: Decision = { pass: false, reason: 'closed' }

function facts (clientIp: string): RequestFacts {
  return { method: 'GET', url: '/', clientIp, bypassToken: undefined, stickyCookie: undefined, stagedKey: undefined, upgrade: false }
}

t.test('the counter ends its minutes by its own clock, whatever time the door decided at', async (t) => {
  // the counter's clock runs two minutes behind the wall clock the door reads
  const clock = createManualClock(Math.floor(Date.now() / 60_000) * 60_000 - 120_000 + 5_000)
  const flushed: MinuteRecord[] = []
  const counter = createMinuteCounter({ clock, names: { token: () => 'qa', address: () => 'office' }, flush: (record) => { flushed.push(record) } })
  counter.start()
  t.teardown(() => { counter.stop() })
  for (let i = 0; i < 3; i++) counter.decision(HELD, { facts: facts(`192.0.2.${i}`), decision: HELD, audience: 'public' })
  t.equal(flushed.length, 0, 'nothing is flushed while the minute lasts')
  clock.advance(60_000)
  t.equal(flushed.length, 1, 'the tick ends the minute the requests were counted in')
  t.match(flushed[0], { m: Math.floor((clock.now() - 60_000) / 60_000), turnedAway: 3 })
})
