import t from 'tap'
import { join } from 'node:path'
import { initialState } from '../src/state/initial.js'
import { redisStoreConfig } from '../src/store/redis-config.js'
import { startRedis } from './helpers/redis-server.js'
import { by, policedRedisStore, recordChanges, recordingLogger, tempDir } from './helpers/redis-fixtures.js'

t.test('through Sentinel: the store finds the master by name and works as on one server', async (t) => {
  const master = await startRedis(t)
  const sentinel = await startRedis(t, { sentinelFor: { name: 'gate', master } })
  const dir = await tempDir(t)
  const config = (name: string) => redisStoreConfig({
    sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
    name: 'gate',
    localCopyPath: join(dir, `${name}.json`),
    resyncIntervalMs: 60_000
  })
  const a = policedRedisStore(config('a'), recordingLogger().logger, 'last-known')
  const b = policedRedisStore(config('b'), recordingLogger().logger, 'last-known')
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const start = await a.init(initialState('open', ''))
  t.same(await b.init(initialState('open', '')), start)
  t.ok(a.health().ok)
  const onB = recordChanges(b)
  const closed = await a.update(by('ops', 'close'), (s) => ({ ...s, mode: 'closed', reason: 'backup' }), start.version)
  t.same(await onB.seen('the close', (s) => s.version === closed.version), closed)
})
