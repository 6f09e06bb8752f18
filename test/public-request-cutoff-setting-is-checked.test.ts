import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

t.test('publicRequestCutoffMs defaults to 30 s, takes 0 to an hour in ms, and a bad value names the key', async (t) => {
  const base = rawConfig('/tmp/gk-unused', 'http://127.0.0.1:3000')
  t.equal(parseConfig(base, TEST_ENV).publicRequestCutoffMs, 30000, '30 s unless told')
  t.equal(parseConfig({ ...base, publicRequestCutoffMs: 0 }, TEST_ENV).publicRequestCutoffMs, 0, '0 cuts at the change')
  t.equal(parseConfig({ ...base, publicRequestCutoffMs: 120000 }, TEST_ENV).publicRequestCutoffMs, 120000)
  for (const bad of [-1, 3600001, 2.5, '30s', null]) {
    t.throws(() => parseConfig({ ...base, publicRequestCutoffMs: bad }, TEST_ENV), /publicRequestCutoffMs: must be a whole number from 0 to 3600000/, `${JSON.stringify(bad)} is refused`)
  }
})
