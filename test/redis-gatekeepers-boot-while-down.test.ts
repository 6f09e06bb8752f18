import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { STORE_UNREACHABLE } from '../src/store/redis-store.js'
import { startCluster, until, type Member } from './helpers/cluster.js'

interface Health { httpStatus: number, status: string, mode: string, version: number, store: { ok: boolean, message?: string } }

async function health (m: Member): Promise<Health> {
  const res = await fetch(m.gk.adminUrl + '/healthz')
  return { ...await res.json() as Omit<Health, 'httpStatus'>, httpStatus: res.status }
}

t.test('an instance booted while Redis is down in a closed window stays closed, with or without a local copy', async (t) => {
  const cluster = await startCluster(t)
  const [a, , c] = cluster.members
  if (a === undefined || c === undefined) throw new Error('three members')
  const closed = await a.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'Database upgrade' })
  t.equal(closed.status, 200)
  const version = (await closed.json() as { version: number }).version
  await c.gk.close()
  t.ok(existsSync(join(c.dir, 'state.local.json')), 'C left a local copy of the state it knew')

  await cluster.redis.stop()

  // C comes back in the same place, with its local copy; E is new here and knows nothing
  const restarted = await cluster.start('c')
  const stranger = await cluster.start('e')
  t.notOk(existsSync(join(stranger.dir, 'state.local.json')), 'E has no local copy')
  t.equal(stranger.config.initialMode, 'open', 'E would start open on a fresh deployment')

  for (const m of [restarted, stranger]) {
    t.equal((await m.publicGet()).status, 503, `${m.name} turns the public away`)
    t.equal(m.gk.runtime.current().mode, 'closed')
    t.match(await health(m), { httpStatus: 503, status: 'degraded', mode: 'closed', store: { ok: false } }, `${m.name}: /healthz says degraded`)
  }
  t.match(restarted.gk.runtime.current().state, { version, reason: 'Database upgrade' }, 'C serves its local copy: the window it knew')
  t.match((await health(restarted)).store.message, new RegExp(`serving the last-known state \\(version ${version}\\); changes are refused`))
  t.equal(stranger.gk.runtime.current().state.reason, STORE_UNREACHABLE, 'E, knowing nothing, serves closed')
  t.match((await health(stranger)).store.message, /serving closed; changes are refused/)
  const refused = await stranger.admin('POST', '/v1/open')
  t.equal(refused.status, 503, 'and nobody can open it through E while Redis is away')

  // Redis returns empty (no persistence): whichever instance reconnects first stores what it knows
  await cluster.redis.restart()

  await until('every instance is healthy again', async () => (await Promise.all(cluster.members.map(health))).every((h) => h.status === 'ok'))
  await until('every instance serves one stored state', () => new Set(cluster.members.map((m) => JSON.stringify(m.gk.runtime.current().state))).size === 1)
  for (const m of cluster.members) {
    t.equal(m.gk.runtime.current().mode, 'closed', `${m.name} is still closed`)
    t.equal((await m.publicGet()).status, 503)
  }
})

t.test('an instance that booted knowing nothing and then finds Redis empty stores closed, not its initial mode', async (t) => {
  const cluster = await startCluster(t, 0)
  await cluster.redis.stop()
  const alone = await cluster.start('e', { initialMode: 'open' })
  t.equal((await alone.publicGet()).status, 503, 'closed while Redis is away')

  // an empty Redis may be a new deployment or one that lost a closed window's state: it cannot tell
  await cluster.redis.restart()

  await until('the instance is healthy again', async () => (await health(alone)).status === 'ok')
  const state = alone.gk.runtime.current().state
  t.equal(state.mode, 'closed', 'it stored closed')
  t.match(state.reason, /the state was lost while the state store was unreachable/)
  t.equal((await alone.publicGet()).status, 503)
  const audit = await (await alone.admin('GET', '/v1/audit?limit=5')).json() as Array<{ action: string, after: { mode: string } }>
  t.match(audit[0], { action: 'init', after: { mode: 'closed' } }, 'the audit log says what was stored')
  const opened = await alone.admin('POST', '/v1/open?wait=applied&timeout=10')
  t.equal(opened.status, 200, 'an operator opens it once it is safe')
  t.equal((await alone.publicGet()).status, 200)
})
