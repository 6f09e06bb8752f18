import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import type { Lease } from '../src/state/lease.js'
import { rampDueAt, rampTransition, startRamp } from '../src/reopen/ramp.js'
import { createStateDriver } from '../src/reopen/state-driver.js'
import { createGateRuntime } from '../src/runtime/gate-runtime.js'
import { initialState } from '../src/state/initial.js'
import type { AuditEntry } from '../src/state/types.js'
import { createFileStore } from '../src/store/file-store.js'
import { TEST_ENV, rawConfig, tempDir } from './helpers/harness.js'
import { createManualClock } from './helpers/manual-clock.js'
import { settle, waitUntil } from './helpers/reopen-harness.js'

/** A lease the test hands out: two drivers, one holder at a time. */
function switchableLease (holds: () => boolean): Lease & { asked: number } {
  const lease = {
    asked: 0,
    async tryAcquire () {
      lease.asked++
      return holds()
    },
    async release () {}
  }
  return lease
}

t.test('only the lease holder drives a ramp, and a step is written once', async (t) => {
  const dir = tempDir(t)
  const config = parseConfig(rawConfig(dir, 'http://127.0.0.1:9'), TEST_ENV)
  const store = createFileStore({ path: `${dir}/state.json` })
  t.teardown(() => store.close())
  const clock = createManualClock()
  let state = await store.init(initialState('closed', ''))
  state = await store.update({ actor: 'ops', ip: '', action: 'ramp.start' }, (current) => startRamp(current, {
    steps: [{ percent: 10, holdSeconds: 60 }, { percent: 50, holdSeconds: 60 }],
    abortOn: DEFAULT_THRESHOLDS
  }, clock.now(), 'ops'))
  // two instances' views of one store: each has its own runtime and driver
  const runtimes = [createGateRuntime(config, state), createGateRuntime(config, state)]
  for (const runtime of runtimes) store.subscribe((next) => { runtime.apply(next) })
  let holder = 'nobody'
  const leases = [switchableLease(() => holder === 'a'), switchableLease(() => holder === 'b')]
  const log = pino({ level: 'silent' })
  const drivers = runtimes.map((runtime, i) => createStateDriver({
    runtime, store, clock, lease: leases[i] as Lease, log, dueAt: rampDueAt, transition: rampTransition, retryMs: 1000
  }))
  for (const driver of drivers) driver.start()
  t.teardown(() => { for (const driver of drivers) driver.stop() })

  clock.advance(60_000)
  await waitUntil(() => leases.every((lease) => lease.asked >= 1), 'both drivers to ask for the lease')
  await settle()
  t.equal(runtimes[0]?.current().state.percent, 10, 'nobody holds the lease: nothing moves')

  holder = 'b'
  clock.advance(1000)
  await waitUntil(() => runtimes.every((runtime) => runtime.current().state.percent === 50), 'the holder to take the step')
  await settle()
  clock.advance(1000)
  await settle()
  const audit = await store.readAudit(10)
  t.same(audit.filter((entry: AuditEntry) => entry.action === 'ramp.step').length, 1, 'the step was written once')
})
