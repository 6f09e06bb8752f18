import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import { startRedis } from './helpers/redis-server.js'
import { by, eventually, policedRedisStore, recordChanges, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('a stored document that is not JSON stops the boot with GK_ERR_STORE_CORRUPT', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  await client.set('gatekeeper:state', '{"version": 3, "mode": "clo')
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await t.rejects(store.init(initialState('open', '')), { code: 'GK_ERR_STORE_CORRUPT', message: /redis key gatekeeper:state .*not valid JSON/ })
})

t.test('a stored document with a bad field names the field', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  await client.set('gatekeeper:state', JSON.stringify({ ...initialState('open', ''), mode: 'wide-open' }))
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await t.rejects(store.init(initialState('open', '')), { code: 'GK_ERR_STORE_CORRUPT', message: /"mode" is "wide-open"/ })
})

t.test('a document corrupted while running: changes refused, the instance closes by config, and recovers when it is fixed', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const dir = await tempDir(t)
  const log = recordingLogger()
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json')), log.logger, 'closed')
  t.teardown(() => store.close())
  const good = await store.init(initialState('open', ''))
  const changes = recordChanges(store)

  await client.set('gatekeeper:state', 'garbage')
  await t.rejects(store.update(by('ops', 'close'), (s) => ({ ...s, mode: 'closed' })), { code: 'GK_ERR_STORE_CORRUPT' })
  t.match(await changes.seen('closed', (s) => s.mode === 'closed'), { version: good.version })
  t.match(store.health(), { ok: false, message: /cannot be used/ })
  t.equal(log.count('error', 'stored state cannot be used'), 1)
  t.equal(await client.get('gatekeeper:state'), 'garbage', 'a guess is never written over it')

  await client.set('gatekeeper:state', JSON.stringify(good))
  t.same(await changes.seen('open again', (s) => s.mode === 'open'), good)
  await eventually('healthy', () => store.health().ok)
})

t.test('an unreadable local copy with an empty Redis stops the boot: no guess is stored for everyone', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const localCopyPath = join(dir, 'local.json')
  await writeFile(localCopyPath, 'not json')
  const store = policedRedisStore(storeConfig(redis, localCopyPath), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await t.rejects(store.init(initialState('open', '')), { code: 'GK_ERR_STORE_CORRUPT', message: new RegExp(`${localCopyPath}.*remove it`) })
})

t.test('an unreadable local copy is replaced when Redis holds the state', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const first = policedRedisStore(storeConfig(redis, join(dir, 'first.json')), recordingLogger().logger, 'last-known')
  const stored = await first.init(initialState('closed', 'upgrade'))
  await first.close()
  const localCopyPath = join(dir, 'local.json')
  await writeFile(localCopyPath, 'not json')
  const log = recordingLogger()
  const store = policedRedisStore(storeConfig(redis, localCopyPath), log.logger, 'last-known')
  t.teardown(() => store.close())
  t.same(await store.init(initialState('open', '')), stored)
  t.equal(log.count('warn', 'replacing it with the stored state'), 1)
})
