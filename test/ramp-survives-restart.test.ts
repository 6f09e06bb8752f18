import t from 'tap'
import { tempDir } from './helpers/harness.js'
import { createManualClock } from './helpers/manual-clock.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

t.test('a ramp lives in the state: a restarted instance carries it on', async (t) => {
  const dir = tempDir(t)
  const clock = createManualClock()
  const first = await startReopenHarness(t, { initialMode: 'closed' }, { dir, clock })
  t.equal((await first.admin('POST', '/v1/ramp', { steps: [{ percent: 10, hold: '1m' }, { percent: 30, hold: '1m' }, { percent: 100 }] })).status, 200)
  const nextAt = first.state().ramp?.nextAt
  await first.gk.close()

  // the instance was down while the hold ran out
  clock.advance(90_000)
  const second = await startReopenHarness(t, { initialMode: 'open' }, { dir, clock })
  t.equal(second.state().mode, 'staged', 'it comes back in the same mode, not the initial one')
  t.equal(second.state().ramp?.nextAt, nextAt)
  const moved = await second.waitForState((s) => s.percent === 30, 'the overdue step')
  t.equal(moved.ramp?.index, 1)
  t.equal(moved.ramp?.nextAt, new Date(clock.now() + 60_000).toISOString(), 'the next hold counts from when the step was taken')
  clock.advance(60_000)
  await second.waitForState((s) => s.mode === 'open', 'the last step')
})
