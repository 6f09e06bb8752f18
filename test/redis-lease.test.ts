import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import { startRedis } from './helpers/redis-server.js'
import { eventually, policedRedisStore, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('the Redis lease: one holder at a time, renewed and released only by its holder, lapsing when not renewed', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const stores = ['a', 'b'].map((name) => policedRedisStore(storeConfig(redis, join(dir, `${name}.json`)), recordingLogger().logger, 'last-known'))
  t.teardown(() => Promise.all(stores.map((store) => store.close())))
  await Promise.all(stores.map((store) => store.init(initialState('open', ''))))
  const [storeA, storeB] = stores
  if (storeA === undefined || storeB === undefined) throw new Error('two stores')
  const ttlMs = 300
  const a = storeA.lease('reopen', ttlMs)
  const b = storeB.lease('reopen', ttlMs)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())

  t.equal(await a.tryAcquire(), true, 'the first to ask takes it')
  t.equal(await b.tryAcquire(), false, 'the other is refused while it is held')
  t.equal(await a.tryAcquire(), true, 'the holder renews it')
  t.ok(await client.pttl('gatekeeper:lease:reopen') > 0, 'it lives in Redis, with a time to live')
  t.equal(await storeB.lease('another', ttlMs).tryAcquire(), true, 'leases of other names are independent')

  await b.release()
  t.equal(await b.tryAcquire(), false, 'a release by someone who does not hold it changes nothing')

  await a.release()
  t.equal(await b.tryAcquire(), true, 'once released, the other takes it')
  t.equal(await a.tryAcquire(), false, 'and the former holder cannot renew it')

  // b stops renewing, as a crashed holder would
  await eventually('the lease lapses', async () => await a.tryAcquire())
  t.equal(await b.tryAcquire(), false, 'a holder whose lease lapsed and was taken cannot renew it')

  await redis.stop()
  await eventually('the store notices the outage', () => !storeA.health().ok)
  t.equal(await a.tryAcquire(), false, 'without Redis, nobody can prove they hold it: not held')
  await a.release()
  t.pass('release without Redis is quiet: the key lapses by itself')
})

t.test('a lease refuses a time to live it could not keep', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'a.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  t.throws(() => store.lease('reopen', 10), /at least 100 ms, got 10/)
})
