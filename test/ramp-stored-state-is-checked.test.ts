import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { initialState } from '../src/state/initial.js'
import { tempDir } from './helpers/harness.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

const at = new Date().toISOString()
const ramp = {
  steps: [{ percent: 10, holdSeconds: 60 }, { percent: 100, holdSeconds: 0 }],
  index: 0,
  startedAt: at,
  startedBy: 'ops',
  stepStartedAt: at,
  nextAt: at,
  paused: false,
  watchFrom: at,
  abortOn: DEFAULT_THRESHOLDS
}

t.test('a stored ramp or schedule the drivers cannot trust stops start-up, naming the field', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ramp: { ...ramp, index: 2 } }, /"ramp\.index" is not a step number below 2/],
    [{ ramp: { ...ramp, nextAt: 'soon' } }, /"ramp\.nextAt" is not a time/],
    [{ ramp: { ...ramp, abortOn: { ...DEFAULT_THRESHOLDS, action: 'panic' } } }, /"ramp\.abortOn\.action" is not abort or hold/],
    [{ ramp: { ...ramp, steps: [] } }, /"ramp\.steps" is not a non-empty list/],
    [{ schedule: { closeAt: at, reason: '', then: 'later', phase: 'pending', createdBy: 'ops', createdAt: at } }, /"schedule\.then" is not hold, ramp or open/],
    [{ schedule: { closeAt: 'tonight', reason: '', then: 'hold', phase: 'pending', createdBy: 'ops', createdAt: at } }, /"schedule\.closeAt" is not a time/]
  ]
  for (const [extra, message] of cases) {
    const dir = tempDir(t)
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...initialState('staged', ''), version: 4, percent: 10, ...extra }))
    await t.rejects(startReopenHarness(t, {}, { dir }), { code: 'GK_ERR_STORE_CORRUPT', message }, Object.keys(extra).join())
  }
})

t.test('a state stored before ramps existed, and one with a ramp, both start', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, 'state.json'), JSON.stringify({ ...initialState('closed', 'Upgrading'), version: 4 }))
  const plain = await startReopenHarness(t, {}, { dir })
  t.equal(plain.state().ramp, undefined)
  await plain.gk.close()

  const later = tempDir(t)
  writeFileSync(join(later, 'state.json'), JSON.stringify({ ...initialState('staged', ''), version: 4, percent: 10, ramp: { ...ramp, nextAt: new Date(Date.now() + 3600_000).toISOString() } }))
  const ramping = await startReopenHarness(t, {}, { dir: later })
  t.equal(ramping.state().ramp?.index, 0)
})
