import t from 'tap'
import { everyoneListed, startCluster, until, type Member } from './helpers/cluster.js'

interface Health { httpStatus: number, status: string, mode: string, version: number, store: { ok: boolean, message?: string } }
interface ErrorBody { statusCode: number, code: string, message: string }

async function health (m: Member): Promise<Health> {
  const res = await fetch(m.gk.adminUrl + '/healthz')
  return { ...await res.json() as Omit<Health, 'httpStatus'>, httpStatus: res.status }
}

/** What the public gets from one member: a page read, and a form posted. */
async function answers (m: Member): Promise<[number, number]> {
  return [(await m.publicGet('/')).status, (await m.publicGet('/', { method: 'POST' })).status]
}

t.test('Redis killed mid-run: instances keep their mode, refuse changes clearly, and converge when it returns', async (t) => {
  const cluster = await startCluster(t)
  // a fourth instance configured to close while the store is unreachable
  const careful = await cluster.start('d', { onStoreFailure: 'closed' })
  const [a, b, c] = cluster.members
  if (a === undefined || b === undefined || c === undefined) throw new Error('three members')
  await everyoneListed(cluster, a)
  const set = await a.admin('POST', '/v1/read-only?wait=applied&timeout=10', { reason: 'Upgrade' })
  t.equal(set.status, 200)
  const version = (await set.json() as { version: number }).version
  for (const m of cluster.members) t.same(await answers(m), [200, 503], `${m.name}: read-only, reads pass and writes are kept out`)

  await cluster.redis.stop()

  await until('every instance reports the outage', async () => (await Promise.all(cluster.members.map(health))).every((h) => h.status === 'degraded'))
  for (const m of [a, b, c]) {
    const h = await health(m)
    t.match(h, { httpStatus: 503, status: 'degraded', mode: 'read-only', version, store: { ok: false } }, `${m.name}: /healthz says degraded`)
    t.match(h.store.message, new RegExp(`redis://127\\.0\\.0\\.1:${cluster.redis.port} is unavailable \\(.+\\); serving the last-known state \\(version ${version}\\); changes are refused`))
    t.same(await answers(m), [200, 503], `${m.name} keeps its mode: the public gets the same answers`)
  }
  t.match((await health(careful)).store.message, /serving closed; changes are refused/)
  t.same(await answers(careful), [503, 503], 'the instance configured to close on an outage closes')

  const refused = await b.admin('POST', '/v1/close', { reason: 'during the outage' })
  t.equal(refused.status, 503)
  const err = await refused.json() as ErrorBody
  t.equal(err.code, 'GK_ERR_STORE_UNAVAILABLE')
  t.match(err.message, new RegExp(`^store unavailable: the state store redis://127\\.0\\.0\\.1:${cluster.redis.port} is unreachable \\(.+\\); the change was not applied anywhere$`))
  t.ok(cluster.members.every((m) => m.gk.runtime.current().version === version), 'nothing was applied on any instance')
  t.match(await (await b.admin('GET', '/v1/instances')).json(), { statusCode: 503, message: /is unreachable .*the instances cannot be listed until it returns/ })
  t.match(await (await b.admin('GET', '/v1/audit')).json(), { statusCode: 503, message: /is unreachable .*the audit log cannot be read until it returns/ })
  t.match(await (await b.admin('GET', '/v1/state')).json(), { mode: 'read-only', version }, 'the state this instance serves can still be read')

  await cluster.redis.restart()

  await until('every instance is healthy again', async () => (await Promise.all(cluster.members.map(health))).every((h) => h.status === 'ok'))
  await everyoneListed(cluster, a)
  for (const m of cluster.members) t.same(await answers(m), [200, 503], `${m.name} serves the stored state again`)
  t.ok(cluster.members.every((m) => m.gk.runtime.current().version === version), 'every instance converged on the stored version')

  const closed = await c.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'after the outage' })
  t.equal(closed.status, 200, 'a change after the restart is accepted')
  const after = (await closed.json() as { version: number }).version
  t.ok(after > version)
  for (const m of cluster.members) {
    t.equal(m.gk.runtime.current().version, after, `${m.name} applied it`)
    t.same(await answers(m), [503, 503], `${m.name} is closed`)
  }
})
