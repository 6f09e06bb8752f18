import t from 'tap'
import { Redis } from 'ioredis'
import { startCluster, until, type Member } from './helpers/cluster.js'

async function answers (m: Member): Promise<[number, number]> {
  return [(await m.publicGet('/')).status, (await m.publicGet('/', { method: 'POST' })).status]
}

t.test('instances converge on the stored state even when it is an older version (Redis restored from a backup)', async (t) => {
  const cluster = await startCluster(t, 2)
  const [a, b] = cluster.members
  if (a === undefined || b === undefined) throw new Error('two members')
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())

  t.equal((await a.admin('POST', '/v1/read-only?wait=applied&timeout=10', { reason: 'Upgrade' })).status, 200)
  const backup = await redis.get('gatekeeper:state')
  const closed = await a.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'Backup' })
  const closedVersion = (await closed.json() as { version: number }).version
  for (const m of cluster.members) t.same(await answers(m), [503, 503], `${m.name} is closed at version ${closedVersion}`)

  await redis.set('gatekeeper:state', backup ?? '')

  await until('both instances serve the restored state', () => cluster.members.every((m) => m.gk.runtime.current().version === closedVersion - 1))
  for (const m of cluster.members) t.same(await answers(m), [200, 503], `${m.name} serves the restored read-only state`)

  const opened = await b.admin('POST', '/v1/open?wait=applied&timeout=10')
  t.equal(opened.status, 200)
  t.equal((await opened.json() as { version: number }).version, closedVersion, 'the next change takes the version after the restored one')
  for (const m of cluster.members) t.same(await answers(m), [200, 200], `${m.name} applied the change made after the restore`)
})
