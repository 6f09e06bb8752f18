import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { startCluster, until } from './helpers/cluster.js'
import { by, policedRedisStore, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'
import { startRedis } from './helpers/redis-server.js'

interface AuditBody { version: number, action: string, after: Record<string, unknown> }
interface HealthBody { status: string, mode: string, version: number, store: { ok: boolean, message?: string } }

t.test('a Redis with an audit history but no state document is not a fresh install: a booting instance without a local copy starts closed and says why', async (t) => {
  const cluster = await startCluster(t, 0)
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())

  // initialMode is open (the default): a fresh install would open
  const first = await cluster.start('first')
  t.equal((await first.admin('POST', '/v1/close', { reason: 'upgrade' })).status, 200)
  const opened = await first.admin('POST', '/v1/open')
  t.equal(opened.status, 200)
  const last = (await opened.json() as State).version
  await first.gk.close()

  await redis.del('gatekeeper:state')
  // a new instance: no local copy
  const b = await cluster.start('b')
  const current = b.gk.runtime.current()
  t.equal(current.mode, 'closed', 'it starts closed')
  t.not(current.version, 0, 'not at version 0')
  t.equal(current.version, last + 1, 'the version goes on from the audit history')
  t.match(current.state.reason, /missing/, 'the reason says why')
  t.equal((await b.publicGet('/')).status, 503, 'the public gets the maintenance page')
  t.match(JSON.parse(await redis.get('gatekeeper:state') ?? 'null'), { version: last + 1, mode: 'closed' }, 'closed is what is stored for everyone')

  const health = await (await fetch(b.gk.adminUrl + '/healthz')).json() as HealthBody
  t.match(health, { mode: 'closed', version: last + 1, store: { ok: true, message: /audit history but no state document.*closed at version/ } }, '/healthz says why')
  const audit = await (await b.admin('GET', '/v1/audit?limit=5')).json() as AuditBody[]
  t.match(audit[0], { version: last + 1, action: 'restore', after: { mode: 'closed' } }, 'the audit records the closed state stored')
  t.equal(audit[1]?.version, last, 'no gap in the audit versions')

  // the operator opens on purpose
  const reopened = await b.admin('POST', '/v1/open')
  t.equal(reopened.status, 200)
  t.equal((await b.publicGet('/')).status, 200, 'open once the operator says so')
  const after = await (await fetch(b.gk.adminUrl + '/healthz')).json() as HealthBody
  t.same(after.store, { ok: true }, 'and /healthz has nothing more to say')
})

t.test('a state key deleted while instances run never comes back open at version 0', async (t) => {
  const cluster = await startCluster(t, 0)
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())
  const a = await cluster.start('a')
  t.equal((await a.admin('POST', '/v1/close', { reason: 'upgrade' })).status, 200)
  const versions: Array<[number, string]> = []
  a.gk.runtime.onApplied((next) => { versions.push([next.version, next.mode]) })

  await redis.del('gatekeeper:state')
  await until('the state is stored again', async () => await redis.exists('gatekeeper:state') === 1)
  const restored = JSON.parse(await redis.get('gatekeeper:state') ?? 'null') as State
  t.match(restored, { version: 1, mode: 'closed', reason: 'upgrade' }, 'the running instance stores the state it knew')
  t.same(versions, [], 'and keeps serving it')

  // an instance booting now, without a local copy, finds that state
  const b = await cluster.start('b')
  t.same([b.gk.runtime.current().version, b.gk.runtime.current().mode], [1, 'closed'])
  t.equal((await b.publicGet('/')).status, 503)
})

t.test('the store logs why it stored closed, and a store with no audit history at all is a fresh install', async (t) => {
  const redis = await startRedis(t)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())
  const dir = await tempDir(t)

  const fresh = policedRedisStore(storeConfig(redis, join(dir, 'fresh.json')), recordingLogger().logger, 'last-known')
  t.match(await fresh.init(initialState('open', '')), { version: 0, mode: 'open' }, 'no history: the initial mode')
  await fresh.update(by('ops', 'allowlist.add'), (s) => ({ ...s, allowlist: [{ cidr: '10.0.0.1/32', label: 'tester', addedBy: 'ops', addedAt: new Date().toISOString() }] }))
  await fresh.note(by('gatekeeper', 'firewall-failed'), { error: 'a note after the change' })
  await fresh.close()

  await client.del('gatekeeper:state')
  const log = recordingLogger()
  const store = policedRedisStore(storeConfig(redis, join(dir, 'other.json')), log.logger, 'last-known')
  t.teardown(() => store.close())
  const state = await store.init(initialState('open', ''))
  t.match(state, { version: 2, mode: 'closed', allowlist: [], tokens: [] }, 'closed, after the last audited version, trusting no allowlist')
  t.equal(log.count('error', 'audit history but no state document'), 1, 'the log says why')
  t.match(store.health(), { ok: true, message: /audit history but no state document/ })
})
