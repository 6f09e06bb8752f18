import t from 'tap'
import { Redis } from 'ioredis'
import type { AuditEntry } from '../src/state/types.js'
import { startCluster, until } from './helpers/cluster.js'
import { createManualClock } from './helpers/manual-clock.js'

t.test('three instances on Redis: a ramp step is taken by the holder of the Redis lease, once', async (t) => {
  const clock = createManualClock()
  const cluster = await startCluster(t, 3, { clock })
  const [a, , c] = cluster.members
  if (a === undefined || c === undefined) throw new Error('three members')
  t.equal((await a.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'Upgrade' })).status, 200)
  const started = await a.admin('POST', '/v1/ramp?wait=applied&timeout=10', { steps: [{ percent: 10, hold: '1m' }, { percent: 50, hold: '1m' }, { percent: 100 }] })
  t.equal(started.status, 200)

  clock.advance(60_000)
  await until('every instance is at the second step', () => cluster.members.every((m) => m.gk.runtime.current().state.percent === 50))
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())
  t.ok(await redis.pttl('gatekeeper:lease:reopen') > 0, 'the step was taken under the lease kept in Redis')

  clock.advance(60_000)
  await until('every instance is open', () => cluster.members.every((m) => m.gk.runtime.current().mode === 'open'))
  const audit = await (await c.admin('GET', '/v1/audit?limit=20')).json() as AuditEntry[]
  t.same(audit.filter((e) => e.action.startsWith('ramp.')).map((e) => [e.action, e.actor]).reverse(),
    [['ramp.start', 'ops'], ['ramp.step', 'gatekeeper'], ['ramp.step', 'gatekeeper']], 'each step written once, by one instance')
})
