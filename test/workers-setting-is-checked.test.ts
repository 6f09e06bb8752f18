import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

t.test('workers defaults to 1, takes a whole number from 1 to 64, and a bad value names the key', async (t) => {
  const base = rawConfig('/tmp/gk-unused', 'http://127.0.0.1:3000')
  t.equal(parseConfig(base, TEST_ENV).workers, 1, 'one process unless told')
  t.equal(parseConfig({ ...base, workers: 4 }, TEST_ENV).workers, 4)
  for (const bad of [0, 65, 2.5, 'two', -1]) {
    t.throws(() => parseConfig({ ...base, workers: bad }, TEST_ENV), /workers.*whole number from 1 to 64/, `workers: ${JSON.stringify(bad)} is refused`)
  }
})
