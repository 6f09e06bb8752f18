import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { RESERVED_FDS, connectionBudget, readFdLimit } from '../src/connections/fd-budget.js'
import { tempDir } from './helpers/harness.js'

t.test('the public cap stays under the open-file limit, with room for upstream connections and allowlisted clients', async (t) => {
  for (const fdLimit of [256, 1024, 4096, 65536]) {
    const { publicMax, listenerMax } = connectionBudget(1_000_000, 1, fdLimit)
    t.ok(listenerMax * 2 + RESERVED_FDS <= fdLimit, `${fdLimit}: each connection and its upstream fit beside the reserve`)
    t.ok(publicMax < listenerMax, `${fdLimit}: the public leaves room for allowlisted clients`)
  }
  t.same(connectionBudget(1024 * 1024, 1, 1024), { publicMax: 336, listenerMax: 448 })
})

t.test('the configured cap holds where the limit is high, and is split between workers', async (t) => {
  t.equal(connectionBudget(10_000, 1, 1_048_576).publicMax, 10_000)
  t.equal(connectionBudget(10_000, 4, 1_048_576).publicMax, 2500)
  t.equal(connectionBudget(10_001, 4, 1_048_576).publicMax, 2501, 'rounded up: never below the cap in total')
  t.equal(connectionBudget(10_000, 1, null).publicMax, 10_000, 'without /proc, the configured cap')
})

t.test('the soft open-file limit is read from /proc/self/limits', async (t) => {
  const dir = tempDir(t)
  const path = join(dir, 'limits')
  writeFileSync(path, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 4096                 files\n')
  t.equal(readFdLimit(path), 1024)
  writeFileSync(path, 'Max open files            unlimited            unlimited            files\n')
  t.equal(readFdLimit(path), null, 'unlimited says nothing')
  t.equal(readFdLimit(join(dir, 'missing')), null, 'no /proc says nothing')
  t.type(readFdLimit(), 'number', 'this process has one')
})
