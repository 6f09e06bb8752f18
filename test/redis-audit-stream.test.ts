import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import { startRedis } from './helpers/redis-server.js'
import { by, policedRedisStore, recordChanges, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('the audit log is a Redis stream: every change and note, newest first, from any instance', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const a = policedRedisStore(storeConfig(redis, join(dir, 'a.json')), recordingLogger().logger, 'last-known')
  const b = policedRedisStore(storeConfig(redis, join(dir, 'b.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => Promise.all([a.close(), b.close()]))
  await a.init(initialState('open', ''))
  await b.init(initialState('open', ''))

  const onB = recordChanges(b)
  await a.update({ actor: 'alice', ip: '10.0.0.5', action: 'close' }, (s) => ({ ...s, mode: 'closed', reason: 'backup' }))
  // a note carries the version its instance has applied
  await onB.seen('the close', (s) => s.version === 1)
  await b.note({ actor: 'gatekeeper', ip: '', action: 'firewall-failed' }, { error: 'iptables-restore exited 1' })
  await b.update({ actor: 'bob', ip: '10.0.0.6', action: 'open' }, (s) => ({ ...s, mode: 'open', reason: '' }))

  const audit = await a.readAudit(10)
  t.same(audit.map((e) => e.action), ['open', 'firewall-failed', 'close', 'init'])
  t.match(audit[0], { version: 2, actor: 'bob', ip: '10.0.0.6', before: { mode: 'closed', reason: 'backup' }, after: { mode: 'open', reason: '' } })
  t.match(audit[1], { version: 1, actor: 'gatekeeper', before: null, after: { error: 'iptables-restore exited 1' } })
  t.match(audit[2], { version: 1, actor: 'alice', ip: '10.0.0.5', before: { mode: 'open' }, after: { mode: 'closed' } })
  t.same((await b.readAudit(2)).map((e) => e.action), ['open', 'firewall-failed'], 'limit keeps the newest')
  t.same(await b.readAudit(0), [])
})

t.test('the stream is trimmed to about auditMaxLen entries', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'a.json'), { auditMaxLen: 10 }), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await store.init(initialState('open', ''))
  for (let i = 0; i < 300; i++) await store.note(by('gatekeeper', 'tick'), { i })
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const length = await client.xlen('gatekeeper:audit')
  // '~' trims whole stream nodes (100 entries by default): cheap, and close enough for a bound
  t.ok(length >= 10 && length <= 110, `about 10 entries kept, got ${length}`)
  t.match((await store.readAudit(1))[0], { action: 'tick', after: { i: 299 } })
})
