import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { startRedis } from './helpers/redis-server.js'
import { by, policedRedisStore, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('two admins on two instances changing the same version: exactly one wins, the other gets 412', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const a = policedRedisStore(storeConfig(redis, join(dir, 'a.json')), recordingLogger().logger, 'last-known')
  const b = policedRedisStore(storeConfig(redis, join(dir, 'b.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const start = await a.init(initialState('open', ''))
  t.same(await b.init(initialState('closed', 'ignored: a state is already stored')), start, 'the second instance reads what the first stored')

  const outcomes = await Promise.allSettled([
    a.update(by('alice'), (s) => ({ ...s, mode: 'closed', reason: 'database backup' }), start.version),
    b.update(by('bob'), (s) => ({ ...s, mode: 'read-only', reason: 'reindex' }), start.version)
  ])
  const won = outcomes.filter((o): o is PromiseFulfilledResult<State> => o.status === 'fulfilled')
  const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
  t.equal(won.length, 1, 'one change is applied')
  t.equal(lost.length, 1, 'the other is refused')
  t.equal(lost[0]?.reason.statusCode, 412)
  t.equal(lost[0]?.reason.code, 'GK_ERR_VERSION_MISMATCH')
  const winner = won[0]?.value as State
  t.equal(winner.version, start.version + 1)

  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const stored = JSON.parse(await client.get('gatekeeper:state') ?? 'null') as State
  t.same(stored, winner, 'Redis holds the winner, whole')

  const audit = await a.readAudit(10)
  const forIt = audit.filter((entry) => entry.version === winner.version)
  t.equal(forIt.length, 1, 'exactly one audit entry for the new version')
  t.equal(forIt[0]?.actor, winner.updatedBy)
  t.same(forIt[0]?.after, { mode: winner.mode, reason: winner.reason })
})

t.test('concurrent changes without If-Match are all kept: none overwrites another', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const a = policedRedisStore(storeConfig(redis, join(dir, 'a.json')), recordingLogger().logger, 'last-known')
  const b = policedRedisStore(storeConfig(redis, join(dir, 'b.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const start = await a.init(initialState('closed', 'upgrade'))
  await b.init(initialState('closed', 'upgrade'))

  const cidrs = ['10.0.0.1/32', '10.0.0.2/32', '10.0.0.3/32', '10.0.0.4/32', '10.0.0.5/32', '10.0.0.6/32']
  await Promise.all(cidrs.map((cidr, i) => (i % 2 === 0 ? a : b).update(by(`admin${i}`), (s) => ({
    ...s,
    allowlist: [...s.allowlist, { cidr, label: `tester ${i}`, addedBy: `admin${i}`, addedAt: s.updatedAt }]
  }))))

  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const stored = JSON.parse(await client.get('gatekeeper:state') ?? 'null') as State
  t.equal(stored.version, start.version + cidrs.length, 'one version per change')
  t.same(stored.allowlist.map((e) => e.cidr).sort(), cidrs, 'every entry is there')
  const audit = await b.readAudit(100)
  t.same(audit.slice(0, cidrs.length).map((e) => e.version), cidrs.map((_, i) => start.version + cidrs.length - i), 'one audit entry per version, newest first')
})
