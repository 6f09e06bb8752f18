import t from 'tap'
import { join } from 'node:path'
import type { InstanceReport, InstanceSnapshot } from '../src/store/instances.js'
import { redisStoreConfig } from '../src/store/redis-config.js'
import { connectRedis } from '../src/store/redis-connection.js'
import { createRedisRegistry } from '../src/store/redis-instances.js'
import { initialState } from '../src/state/initial.js'
import { startRedis } from './helpers/redis-server.js'
import { eventually, policedRedisStore, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

const timing = { heartbeatMs: 50, staleMs: 400 }

function instance (id: string, version: number): InstanceSnapshot {
  return { id, host: `host-${id}`, pid: 1000, version, inFlight: 0, webSockets: 0, startedAt: '2024-01-01T00:00:00.000Z' }
}

const ids = (instances: InstanceReport[]): string[] => instances.map((i) => i.id)

t.test('the registry lists live instances; one that leaves or goes silent drops out', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const stores = ['a', 'b'].map((name) => policedRedisStore(storeConfig(redis, join(dir, `${name}.json`)), recordingLogger().logger, 'last-known'))
  t.teardown(() => Promise.all(stores.map((store) => store.close())))
  await Promise.all(stores.map((store) => store.init(initialState('open', ''))))
  const [a, b] = stores.map((store) => store.registry(timing))
  if (a === undefined || b === undefined) throw new Error('two registries')
  a.start(() => instance('a', 1))
  b.start(() => instance('b', 1))

  // an instance that will die without a word: its own connection, cut
  const doomed = connectRedis(redisStoreConfig({ url: redis.url }))
  const silent = createRedisRegistry(doomed, timing.heartbeatMs, timing.staleMs)
  t.teardown(async () => { await silent.close(); await doomed.close() })
  silent.start(() => instance('c', 1))

  await eventually('three live instances', async () => (await a.list()).length === 3)
  const listed = await b.list()
  t.same(ids(listed), ['a', 'b', 'c'])
  t.match(listed[0], { id: 'a', host: 'host-a', pid: 1000, version: 1, inFlight: 0, webSockets: 0, startedAt: '2024-01-01T00:00:00.000Z' })
  t.ok(Date.parse(listed[0]?.seenAt ?? '') > 0, 'seenAt is a time')

  await b.close()
  t.same(ids(await a.list()), ['a', 'c'], 'an instance that closes leaves at once')

  doomed.client.disconnect()
  await eventually('the silent instance is stale', async () => !ids(await a.list()).includes('c'))
  t.same(ids(await a.list()), ['a'])
  const roster = await a.roster()
  t.same(ids(roster.silent), ['c'], 'one that fell silent is remembered as such: it may still be serving')
  t.notOk(ids(roster.silent).includes('b'), 'one that left is not')

  const waited = await a.waitFor((live, silent) => silent.length === 0 && live.every((i) => i.version >= 1), 200)
  t.notOk(waited.ok, 'a wait can refuse to count a silent instance as done')
  t.same(ids(waited.silent), ['c'])
})

t.test('waitFor resolves when every instance reports the version, and times out with the laggards otherwise', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const stores = ['a', 'b', 'c'].map((name) => policedRedisStore(storeConfig(redis, join(dir, `${name}.json`)), recordingLogger().logger, 'last-known'))
  t.teardown(() => Promise.all(stores.map((store) => store.close())))
  await Promise.all(stores.map((store) => store.init(initialState('open', ''))))
  const versions: Record<string, number> = { a: 1, b: 1, c: 1 }
  const registries = Object.keys(versions).map((id, i) => {
    const registry = stores[i]?.registry(timing)
    if (registry === undefined) throw new Error('a registry per store')
    registry.start(() => instance(id, versions[id] ?? 0))
    return registry
  })
  const [a, b, c] = registries
  if (a === undefined || b === undefined || c === undefined) throw new Error('three registries')
  await eventually('three live instances', async () => (await a.list()).length === 3)

  const progress: InstanceReport[][] = []
  const applied = a.waitFor((list) => list.length === 3 && list.every((i) => i.version >= 2), 5000, (list) => progress.push(list))
  versions.a = 2
  await a.reportNow()
  versions.b = 2
  await b.reportNow()
  versions.c = 2
  await c.reportNow()
  const done = await applied
  t.ok(done.ok)
  t.same(done.instances.map((i) => [i.id, i.version]), [['a', 2], ['b', 2], ['c', 2]])
  t.ok(progress.length >= 2, 'progress is reported as instances catch up')
  t.same(progress.at(-1)?.map((i) => i.version), [2, 2, 2])

  versions.a = 3
  versions.b = 3
  const late = await a.waitFor((list) => list.every((i) => i.version >= 3), 300)
  t.notOk(late.ok, 'the wait times out')
  t.same(late.instances.filter((i) => i.version < 3).map((i) => i.id), ['c'], 'and names the laggard')
})

t.test('waitFor never counts an unreadable registry as everyone done', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'a.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await store.init(initialState('open', ''))
  const registry = store.registry(timing)
  registry.start(() => instance('a', 1))
  await eventually('listed', async () => (await registry.list()).length === 1)

  await redis.stop()
  await eventually('the store notices', () => !store.health().ok)
  await t.rejects(registry.list(), { statusCode: 503, code: 'GK_ERR_STORE_UNAVAILABLE' })
  await t.rejects(registry.reportNow(), { statusCode: 503, code: 'GK_ERR_STORE_UNAVAILABLE' })
  const waited = await registry.waitFor((list) => list.every((i) => i.version >= 2), 200)
  t.notOk(waited.ok, 'an empty answer from a dead Redis is not "all applied"')
})
