import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { State } from '../src/state/types.js'
import { startCluster, until } from './helpers/cluster.js'

interface AuditBody { version: number, action: string }

t.test('an audit entry Redis cannot append (WRONGTYPE) stops the change: the state, the gate and the local copy stay as they were', async (t) => {
  const cluster = await startCluster(t, 0)
  const a = await cluster.start('a', { initialMode: 'closed' })
  const b = await cluster.start('b', { initialMode: 'closed' })
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())

  t.equal((await a.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'upgrade' })).status, 200)
  const before = await redis.get('gatekeeper:state')
  const start = JSON.parse(before ?? 'null') as State
  t.equal(start.mode, 'closed')
  await until('a has its local copy', async () => JSON.parse(await readFile(join(a.dir, 'state.local.json'), 'utf8').catch(() => 'null'))?.version === start.version)

  // the audit stream set aside, and a plain string in its place: XADD answers WRONGTYPE
  await redis.rename('gatekeeper:audit', 'gatekeeper:audit-kept')
  await redis.set('gatekeeper:audit', 'x')

  const opened = await a.admin('POST', '/v1/open')
  t.equal(opened.status, 503, 'the change is refused')
  t.match(await opened.json(), { code: 'GK_ERR_STORE_UNAVAILABLE', message: /refused the command \(WRONGTYPE.*not applied anywhere/ })
  t.equal(await redis.get('gatekeeper:state'), before, 'the stored state is unchanged')
  const added = await b.admin('POST', '/v1/allowlist', { cidr: '10.9.9.9/32', label: 'tester' })
  t.equal(added.status, 503, 'a change from another instance is refused too')
  t.equal(await redis.get('gatekeeper:state'), before, 'the stored state is still unchanged')

  // several re-reads later (resyncIntervalMs is 200 ms), nobody serves anything else
  await sleep(700)
  for (const m of [a, b]) {
    t.same([m.gk.runtime.current().version, m.gk.runtime.current().mode], [start.version, 'closed'], `${m.name} keeps the old state in memory`)
    t.equal((await m.publicGet('/')).status, 503, `${m.name} still serves closed`)
  }
  t.equal(JSON.parse(await readFile(join(a.dir, 'state.local.json'), 'utf8')).version, start.version, 'the local copy keeps the old state')

  // the audit writable again: the next change starts from the old state, and does not open
  await redis.del('gatekeeper:audit')
  await redis.rename('gatekeeper:audit-kept', 'gatekeeper:audit')
  const again = await b.admin('POST', '/v1/allowlist?wait=applied&timeout=10', { cidr: '10.9.9.9/32', label: 'tester' })
  t.equal(again.status, 201, 'the allowlist entry is added')
  for (const m of [a, b]) {
    t.same([m.gk.runtime.current().version, m.gk.runtime.current().mode], [start.version + 1, 'closed'], `${m.name} serves the allowlist change, closed`)
    t.equal((await m.publicGet('/')).status, 503, `${m.name} is still closed to the public`)
  }
  const audit = await (await a.admin('GET', '/v1/audit?limit=50')).json() as AuditBody[]
  const versions = audit.map((entry) => entry.version)
  t.same(versions, Array.from({ length: start.version + 2 }, (_, i) => start.version + 1 - i), 'one audit entry per version, none missing')
  t.same(audit.slice(0, 2).map((entry) => entry.action), ['allowlist.add', 'close'])
})

t.test('a Redis out of memory (maxmemory, noeviction) refuses the change whole: no state without its audit entry', async (t) => {
  const cluster = await startCluster(t, 0)
  const a = await cluster.start('a', { initialMode: 'closed' })
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())
  const before = await redis.get('gatekeeper:state')
  const entries = await redis.xlen('gatekeeper:audit')

  await redis.config('SET', 'maxmemory-policy', 'noeviction')
  await redis.config('SET', 'maxmemory', '1')
  const opened = await a.admin('POST', '/v1/open')
  await redis.config('SET', 'maxmemory', '0')
  t.equal(opened.status, 503, 'the change is refused')
  t.match(await opened.json(), { code: 'GK_ERR_STORE_UNAVAILABLE', message: /OOM/ })
  t.equal(await redis.get('gatekeeper:state'), before, 'the stored state is unchanged')
  t.equal(await redis.xlen('gatekeeper:audit'), entries, 'and no audit entry was added')
  await sleep(500)
  t.same([a.gk.runtime.current().mode, (await a.publicGet('/')).status], ['closed', 503], 'still closed')
})
