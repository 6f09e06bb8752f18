import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import { redisStoreConfig } from '../src/store/redis-config.js'
import { startRedis } from './helpers/redis-server.js'
import { by, eventually, policedRedisStore, recordChanges, recordingLogger, tempDir } from './helpers/redis-fixtures.js'

t.test('on a Redis Cluster: one slot per deployment, compare-and-set, broadcast and instances work', async (t) => {
  const redis = await startRedis(t, { cluster: true })
  const dir = await tempDir(t)
  const config = (name: string) => redisStoreConfig({ cluster: [{ host: '127.0.0.1', port: redis.port }], localCopyPath: join(dir, `${name}.json`), commandTimeoutMs: 1000, resyncIntervalMs: 60_000 })
  const a = policedRedisStore(config('a'), recordingLogger().logger, 'last-known')
  const b = policedRedisStore(config('b'), recordingLogger().logger, 'last-known')
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const start = await a.init(initialState('open', ''))
  await b.init(initialState('open', ''))
  const onB = recordChanges(b)

  const outcomes = await Promise.allSettled([
    a.update(by('alice'), (s) => ({ ...s, mode: 'closed' }), start.version),
    b.update(by('bob'), (s) => ({ ...s, mode: 'read-only' }), start.version)
  ])
  t.same(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected'], 'one wins, the script ran in one slot')
  // the re-read is a minute away: the change arrives by the cluster's pub/sub
  await onB.seen('the winning change', (s) => s.version === start.version + 1)

  const [ra, rb] = [a.registry({ heartbeatMs: 50, staleMs: 400 }), b.registry({ heartbeatMs: 50, staleMs: 400 })]
  const me = (id: string) => () => ({ id, host: id, pid: 1, version: start.version + 1, inFlight: 0, webSockets: 0, startedAt: new Date().toISOString() })
  ra.start(me('a'))
  rb.start(me('b'))
  await eventually('both instances listed', async () => (await ra.list()).length === 2)

  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  t.same((await client.keys('*')).sort(), ['{gatekeeper:}audit', '{gatekeeper:}instances:reports', '{gatekeeper:}instances:seen', '{gatekeeper:}state'])
})
