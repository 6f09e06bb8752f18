import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initialState } from '../src/state/initial.js'
import { createFileStore } from '../src/store/file-store.js'
import type { Store } from '../src/store/store.js'

// The file store answers registry() and lease() like the Redis store, so nothing above it asks
// which kind of store it holds: one process on the file store is the only instance and the holder.

t.test('the file store lists this process as the only instance, and always holds its lease', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gk-file-registry-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const store: Store = createFileStore({ path: join(dir, 'state.json') })
  t.teardown(() => store.close())
  await store.init(initialState('closed', 'upgrade'))

  const registry = store.registry({ heartbeatMs: 1000, staleMs: 3000 })
  t.same(await registry.list(), [], 'nobody is listed before this process starts reporting')
  registry.start(() => ({ id: 'here', host: 'h', pid: process.pid, version: 1, inFlight: 0, webSockets: 0, startedAt: new Date(0).toISOString() }))
  const listed = await registry.list()
  t.equal(listed.length, 1, 'this process alone')
  t.match(listed[0], { id: 'here', version: 1 })
  t.same((await registry.roster()).silent, [], 'nobody falls silent')
  const waited = await registry.waitFor((live) => live.every((instance) => instance.version === 1), 5000)
  t.equal(waited.ok, true, 'a wait on this process alone is answered by its own report')

  const lease = store.lease('reopen', 10_000)
  t.equal(await lease.tryAcquire(), true, 'the lease is held')
  t.equal(await lease.tryAcquire(), true, 'and held again')
  await lease.release()
  t.equal(await lease.tryAcquire(), true, 'one process on the file store is always the holder')

  await registry.close()
  t.same(await registry.list(), [], 'a closed registry lists nobody')
})
