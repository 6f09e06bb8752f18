import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { startRedis } from './helpers/redis-server.js'
import { by, eventually, policedRedisStore, recordChanges, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('a change made on one instance reaches every other instance, and its local copy', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  // a resync interval far beyond the test: only the published message can deliver the change
  const slow = { resyncIntervalMs: 60_000 }
  const a = policedRedisStore(storeConfig(redis, join(dir, 'a.json'), slow), recordingLogger().logger, 'last-known')
  const b = policedRedisStore(storeConfig(redis, join(dir, 'b.json'), slow), recordingLogger().logger, 'last-known')
  const c = policedRedisStore(storeConfig(redis, join(dir, 'c.json'), slow), recordingLogger().logger, 'last-known')
  t.teardown(() => Promise.all([a.close(), b.close(), c.close()]))
  const start = await a.init(initialState('open', ''))
  await b.init(initialState('open', ''))
  await c.init(initialState('open', ''))
  const onA = recordChanges(a)
  const onB = recordChanges(b)
  const onC = recordChanges(c)

  const closed = await a.update(by('alice', 'close'), (s) => ({ ...s, mode: 'closed', reason: 'database backup' }))
  t.same(onA.states, [closed], 'the instance that made the change emits it at once')
  t.same(await onB.seen('closed on B', (s) => s.version === closed.version), closed, 'B applies the same document')
  t.same(await onC.seen('closed on C', (s) => s.version === closed.version), closed, 'C applies the same document')

  const reopened = await b.update(by('bob', 'open'), (s) => ({ ...s, mode: 'open', reason: '' }))
  await onA.seen('reopened on A', (s) => s.version === reopened.version)
  await onC.seen('reopened on C', (s) => s.version === reopened.version)
  const versions = (states: State[]): number[] => states.map((s) => s.version)
  t.same(versions(onA.states), [start.version + 1, start.version + 2], 'each version is emitted once, in order')
  t.same(versions(onB.states), [start.version + 1, start.version + 2])
  t.same(versions(onC.states), [start.version + 1, start.version + 2])

  await eventually('C has written its local copy', async () => {
    const copy = JSON.parse(await readFile(join(dir, 'c.json'), 'utf8').catch(() => 'null')) as State | null
    return copy?.version === reopened.version
  })
  t.same(JSON.parse(await readFile(join(dir, 'c.json'), 'utf8')), reopened, 'the local copy is the whole document')
})
