import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseConfig } from '../src/config/config.js'
import { createGateRuntime } from '../src/runtime/gate-runtime.js'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { closedStandIn } from '../src/feed/outage-policy.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

/** Polls a bounded number of times: the notice comes from a timer. */
async function eventually (check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(20)
}

const config = parseConfig(rawConfig('/nonexistent', 'http://127.0.0.1:9'), TEST_ENV)

function at (version: number, fields: Partial<State> = {}): State {
  return { ...initialState('open', ''), version, seed: 'fixed', updatedAt: '2024-01-01T00:00:00.000Z', ...fields }
}

t.test('apply (a change this process made) never goes back; follow (what the store says) does what the store says', async (t) => {
  const runtime = createGateRuntime(config, at(7, { mode: 'closed', percent: 0, reason: 'window' }))
  const applied: number[] = []
  runtime.onApplied((next) => { applied.push(next.version) })

  t.equal(runtime.apply(at(6)), false, 'an older answer arriving late is ignored')
  t.equal(runtime.current().mode, 'closed')
  t.equal(runtime.apply(at(7, { mode: 'closed', percent: 0, reason: 'window' })), false, 'a copy of what is held changes nothing')
  t.equal(runtime.follow(at(7, { mode: 'closed', percent: 0, reason: 'window' })), false)

  const standIn = closedStandIn(at(7))
  t.equal(runtime.follow(at(7)), true, 'the same version with other content is taken')
  t.equal(runtime.follow(standIn), true, 'a closed stand-in keeps the version it stands in for, and is taken')
  t.equal(runtime.current().mode, 'closed')
  t.equal(runtime.follow(at(7)), true, 'and the stored state again when the store returns')
  t.equal(runtime.current().mode, 'open')

  t.equal(runtime.follow(at(5, { mode: 'read-only', percent: 0 })), true, 'a lower version the store converged on (Redis lost its data) is taken')
  t.equal(runtime.current().mode, 'read-only')
  t.equal(runtime.follow(at(6, { mode: 'closed', percent: 0 })), true, 'and the next change after it is not mistaken for an old one')
  t.equal(runtime.current().mode, 'closed')
  t.same(applied, [7, 7, 7, 5, 6], 'every swap is announced')
})

t.test('the runtime tells when public requests or websockets drop to none, throttled, always telling the last', async (t) => {
  const runtime = createGateRuntime(config, at(1))
  let told = 0
  runtime.onIdle(() => { told++ })
  runtime.inFlight++
  runtime.inFlight++
  runtime.inFlight--
  t.equal(told, 0, 'not while requests are left')
  runtime.inFlight--
  t.equal(told, 1, 'at once when the last one ends')
  t.equal(runtime.inFlight, 0)
  for (let i = 0; i < 20; i++) {
    runtime.inFlight++
    runtime.inFlight--
  }
  t.equal(told, 1, 'a burst inside the pause is not told one by one')
  await eventually(() => told === 2)
  t.equal(told, 2, 'but once more at the end of the pause')
  runtime.webSockets++
  runtime.webSockets--
  await eventually(() => told === 3)
  t.equal(told, 3, 'the last public websocket closing is told too')
  t.equal(runtime.webSockets, 0)
})
