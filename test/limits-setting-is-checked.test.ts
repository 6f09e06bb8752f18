import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

t.test('limits defaults to 10000 connections and a 10 s header timeout, and a bad value names the key', async (t) => {
  const base = rawConfig('/tmp/gk-unused', 'http://127.0.0.1:3000')
  t.same(parseConfig(base, TEST_ENV).limits, { maxConnections: 10_000, headersTimeoutMs: 10_000 })
  t.same(parseConfig({ ...base, limits: { maxConnections: 500, headersTimeoutMs: 2500 } }, TEST_ENV).limits, { maxConnections: 500, headersTimeoutMs: 2500 })
  const cases: Array<[unknown, RegExp]> = [
    [{ maxConnections: 0 }, /limits\.maxConnections: must be a whole number from 1 to 1000000/],
    [{ maxConnections: 'many' }, /limits\.maxConnections: must be a whole number/],
    [{ headersTimeoutMs: 10 }, /limits\.headersTimeoutMs: must be a whole number from 100 to 300000/],
    [{ headersTimeoutMs: '10s' }, /limits\.headersTimeoutMs: must be a whole number/],
    [{ headersTimeout: 1000 }, /limits\.headersTimeout: is not a known setting/],
    ['lots', /limits: must be a mapping/]
  ]
  for (const [limits, message] of cases) {
    t.throws(() => parseConfig({ ...base, limits }, TEST_ENV), message, `limits: ${JSON.stringify(limits)} is refused`)
  }
})
