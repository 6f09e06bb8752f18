import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

function parse (extra: Record<string, unknown>): ReturnType<typeof parseConfig> {
  return parseConfig(rawConfig('/tmp/gk-unused', 'http://127.0.0.1:3000', extra), TEST_ENV)
}

t.test('the health gate and ramp defaults come from the configuration', async (t) => {
  const defaults = parse({})
  t.same(defaults.healthGate, { enabled: true, windowSeconds: 30, evaluateEveryMs: 1000, perClientSamples: 5, minFailingClients: 3, thresholds: DEFAULT_THRESHOLDS })
  t.same(defaults.ramp.steps.map((s) => s.percent), [5, 25, 100])
  const set = parse({
    healthGate: { action: 'hold', windowSeconds: 60, latencyP99: { maxMs: 800 } },
    ramp: { steps: [{ percent: 1, hold: '2m' }, { percent: 100 }] }
  })
  t.equal(set.healthGate.thresholds.action, 'hold')
  t.equal(set.healthGate.windowSeconds, 60)
  t.same(set.healthGate.thresholds.latencyP99, { maxMs: 800, minSamples: DEFAULT_THRESHOLDS.latencyP99.minSamples })
  t.same(set.ramp.steps, [{ percent: 1, holdSeconds: 120 }, { percent: 100, holdSeconds: 0 }])
})

t.test('bad health gate or ramp settings stop start-up with the key named', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ healthGate: { action: 'close' } }, /healthGate\.action: must be "abort" or "hold"/],
    [{ healthGate: { serverErrors: { maxShare: 1.5 } } }, /healthGate\.serverErrors\.maxShare: must be a share from 0 to 1/],
    [{ healthGate: { serverErrors: { max: 0.1 } } }, /healthGate\.serverErrors\.max: is not a known setting/],
    [{ healthGate: { latencyP99: { maxMs: 0 } } }, /healthGate\.latencyP99\.maxMs: must be a whole number from 1/],
    [{ healthGate: { windowSeconds: 1 } }, /healthGate\.windowSeconds: must be a whole number from 5 to 600/],
    [{ healthGate: { perClientSamples: 0 } }, /healthGate\.perClientSamples: must be a whole number from 1/],
    [{ healthGate: { minFailingClients: 'three' } }, /healthGate\.minFailingClients: must be a whole number from 1/],
    [{ healthGate: { enabled: 'yes' } }, /healthGate\.enabled: must be true or false/],
    [{ healthGate: { p99: 100 } }, /healthGate\.p99: is not a known setting/],
    [{ ramp: { steps: [{ percent: 50, hold: '1m' }, { percent: 10, hold: '1m' }] } }, /ramp\.steps\[1\]\.percent: must be above the step before it/],
    [{ ramp: { steps: [{ percent: 50 }] } }, /ramp\.steps\[0\]\.hold: must be a duration/],
    [{ ramp: { step: [] } }, /ramp\.step: is not a known setting/]
  ]
  for (const [extra, message] of cases) {
    t.throws(() => parse(extra), { code: 'GK_ERR_CONFIG', message }, JSON.stringify(extra))
  }
})
