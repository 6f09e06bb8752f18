import t from 'tap'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { STORE_UNREACHABLE } from '../src/store/redis-store.js'
import { startRedis } from './helpers/redis-server.js'
import { by, eventually, policedRedisStore, recordChanges, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

const tester = { cidr: '192.0.2.10/32', label: 'DBA', addedBy: 'ops', addedAt: '2024-01-01T00:00:00.000Z' }

t.test('Redis killed mid-run: instances keep serving, refuse changes, log once, and converge when it returns', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const keepLog = recordingLogger()
  const closeLog = recordingLogger()
  const keeping = policedRedisStore(storeConfig(redis, join(dir, 'keeping.json')), keepLog.logger, 'last-known')
  const closing = policedRedisStore(storeConfig(redis, join(dir, 'closing.json')), closeLog.logger, 'closed')
  t.teardown(() => Promise.all([keeping.close(), closing.close()]))
  await keeping.init(initialState('open', ''))
  await closing.init(initialState('open', ''))
  const open = await keeping.update(by('ops', 'allowlist'), (s) => ({ ...s, allowlist: [tester] }))
  const onKeeping = recordChanges(keeping)
  const onClosing = recordChanges(closing)
  await onClosing.seen('the allowlist change', (s) => s.version === open.version)

  await redis.stop()

  const standIn = await onClosing.seen('the closed stand-in', (s) => s.mode === 'closed')
  t.equal(standIn.version, open.version, 'the stand-in keeps the version: nothing was stored')
  t.equal(standIn.reason, STORE_UNREACHABLE)
  t.same(standIn.allowlist, [tester], 'the people doing the upgrade still get in')
  await eventually('the last-known instance notices', () => !keeping.health().ok)
  t.match(keeping.health().message, /unavailable .*last-known state \(version \d+\).*changes are refused/)
  t.match(closing.health().message, /serving closed/)

  const refused = await keeping.update(by('ops', 'close'), (s) => ({ ...s, mode: 'closed' })).then(() => null, (err: Error) => err)
  t.match(refused, { statusCode: 503, code: 'GK_ERR_STORE_UNAVAILABLE' }, 'a change is refused, not applied to one instance only')
  t.match(refused?.message, /not applied anywhere/)
  await t.rejects(keeping.note(by('ops', 'firewall'), { ok: false }), { statusCode: 503, code: 'GK_ERR_STORE_UNAVAILABLE' })
  await t.rejects(closing.readAudit(10), { statusCode: 503, code: 'GK_ERR_STORE_UNAVAILABLE' })

  // several reconnect attempts go by; each store said so once
  await sleep(400)
  t.same(onKeeping.states, [], 'the last-known instance keeps what it had')
  t.equal(keepLog.count('warn', 'unreachable'), 1, 'the outage is logged once')
  t.equal(closeLog.count('warn', 'unreachable'), 1)

  await redis.restart()

  const back = await onClosing.seen('the stored state again', (s) => s.mode === 'open' && s.version === open.version)
  t.same(back, open, 'the closing instance converges on the stored state')
  await eventually('both stores healthy', () => keeping.health().ok && closing.health().ok)
  t.equal(keepLog.count('info', 'reachable again'), 1, 'the return is logged once')
  t.equal(closeLog.count('info', 'reachable again'), 1)

  // this Redis came back empty: the instances stored the last state they knew
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  t.same(JSON.parse(await client.get('gatekeeper:state') ?? 'null'), open)

  const closed = await keeping.update(by('ops', 'close'), (s) => ({ ...s, mode: 'closed', reason: 'after the outage' }))
  await onClosing.seen('a change after the outage', (s) => s.version === closed.version)
  t.same(onKeeping.states, [closed], 'the last-known instance emitted nothing but the new change')
})

t.test('a Redis that stalls: a change fails after the command timeout and is not applied when Redis wakes up', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json'), { commandTimeoutMs: 200 }), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await store.init(initialState('open', ''))
  // a first change loads the script into Redis, so the stalled one is sent ready to run
  const start = await store.update(by('ops', 'allowlist'), (s) => ({ ...s, allowlist: [tester] }))

  const pid = redis.pid
  t.teardown(() => { try { process.kill(pid, 'SIGCONT') } catch {} })
  // the mutation runs between the read and the compare-and-set: Redis stalls just before the write reaches it
  const refused = await store.update(by('ops', 'close'), (s) => {
    process.kill(pid, 'SIGSTOP')
    return { ...s, mode: 'closed' }
  }).then(() => null, (err: Error) => err)
  t.match(refused, { statusCode: 503, code: 'GK_ERR_STORE_UNAVAILABLE' })
  t.match(refused?.message, /timed out/)
  await eventually('the store reports itself unhealthy', () => !store.health().ok)

  process.kill(pid, 'SIGCONT')
  await eventually('the store is healthy again', () => store.health().ok)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const stored = JSON.parse(await client.get('gatekeeper:state') ?? 'null') as State
  t.equal(stored.version, start.version, 'the refused change was not applied when Redis woke up')
  t.equal(stored.mode, 'open')
  t.equal((await store.readAudit(10))[0]?.version, start.version, 'and left no audit entry')
})
