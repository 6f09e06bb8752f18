import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { STORE_UNREACHABLE } from '../src/store/redis-store.js'
import { startRedis } from './helpers/redis-server.js'
import { eventually, policedRedisStore, recordChanges, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

/** A state as a previous run of this instance left it: closed for a backup, at version 7. */
function closedWindow (): State {
  return { ...initialState('closed', 'database backup'), version: 7, window: { end: '2030-01-01T06:00:00.000Z' } }
}

t.test('booted while Redis is down in a closed window: starts from the local copy, stays closed, and stores it when Redis returns', async (t) => {
  const redis = await startRedis(t)
  await redis.stop()
  const dir = await tempDir(t)
  const localCopyPath = join(dir, 'local.json')
  const lastRun = closedWindow()
  await writeFile(localCopyPath, JSON.stringify(lastRun))
  const log = recordingLogger()
  const store = policedRedisStore(storeConfig(redis, localCopyPath), log.logger, 'last-known')
  t.teardown(() => store.close())

  const booted = await store.init(initialState('open', 'the configured initial mode must not win'))
  t.same(booted, lastRun, 'the local copy, not the initial mode')
  t.notOk(store.health().ok)
  t.equal(log.count('warn', 'unreachable at start'), 1)
  const changes = recordChanges(store)

  await redis.restart()
  await eventually('the store is healthy', () => store.health().ok)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  t.same(JSON.parse(await client.get('gatekeeper:state') ?? 'null'), lastRun, 'the empty Redis gets the last state known, not the initial mode')
  t.same(changes.states, [], 'nothing changed for this instance')
  const [restored] = await store.readAudit(1)
  t.match(restored, { action: 'restore', version: 7, before: null, after: { mode: 'closed' } })
})

t.test('booted while Redis is down without a local copy: closed, then the stored state', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const stored: State = { ...initialState('read-only', 'reindex'), version: 3 }
  await client.set('gatekeeper:state', JSON.stringify(stored))
  const pid = redis.pid
  process.kill(pid, 'SIGSTOP')
  t.teardown(() => { try { process.kill(pid, 'SIGCONT') } catch {} })
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())

  const booted = await store.init(initialState('open', ''))
  t.equal(booted.mode, 'closed', 'never open by accident')
  t.equal(booted.reason, STORE_UNREACHABLE)
  const changes = recordChanges(store)

  process.kill(pid, 'SIGCONT')
  t.same(await changes.seen('the stored state', (s) => s.version === 3), stored, 'converges on what Redis holds')
  t.ok(store.health().ok)
})

t.test('booted while Redis is down with onStoreFailure closed: the local copy, closed, until Redis answers', async (t) => {
  const redis = await startRedis(t)
  await redis.stop()
  const dir = await tempDir(t)
  const localCopyPath = join(dir, 'local.json')
  const lastRun: State = { ...initialState('open', ''), version: 12 }
  await writeFile(localCopyPath, JSON.stringify(lastRun))
  const store = policedRedisStore(storeConfig(redis, localCopyPath), recordingLogger().logger, 'closed')
  t.teardown(() => store.close())

  const booted = await store.init(initialState('open', ''))
  t.match(booted, { mode: 'closed', version: 12, reason: STORE_UNREACHABLE })
  const changes = recordChanges(store)

  await redis.restart()
  t.same(await changes.seen('the open state', (s) => s.mode === 'open'), lastRun)
})

t.test('booted while Redis is down with an unreadable local copy: closed, and said so', async (t) => {
  const redis = await startRedis(t)
  await redis.stop()
  const dir = await tempDir(t)
  const localCopyPath = join(dir, 'local.json')
  await writeFile(localCopyPath, '{"version": 4, "mode": "op')
  const log = recordingLogger()
  const store = policedRedisStore(storeConfig(redis, localCopyPath), log.logger, 'last-known')
  t.teardown(() => store.close())

  const booted = await store.init(initialState('open', ''))
  t.equal(booted.mode, 'closed')
  t.equal(log.count('error', 'local copy of the state is unreadable'), 1)
})
