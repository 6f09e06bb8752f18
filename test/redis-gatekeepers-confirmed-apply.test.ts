import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisStoreConfig } from '../src/store/redis-config.js'
import { connectRedis } from '../src/store/redis-connection.js'
import { createRedisRegistry } from '../src/store/redis-instances.js'
import { CLUSTER_TIMING, everyoneListed, startCluster, until, type InstancesBody, type Member } from './helpers/cluster.js'

interface Listed { id: string, version: number, silent?: boolean }
interface Confirmed { version: number, mode: string, confirmation: { wait: string, version: number, instances: Listed[] } }
interface TimedOut { statusCode: number, code: string, message: string, version: number, laggards: Listed[], instances: Listed[] }

function members (list: Member[]): [Member, Member, Member] {
  const [a, b, c] = list
  if (a === undefined || b === undefined || c === undefined) throw new Error('three members')
  return [a, b, c]
}

t.test('a close on A is applied by B and C before ?wait=applied returns', async (t) => {
  const cluster = await startCluster(t)
  const [a, b, c] = members(cluster.members)
  const listed = await everyoneListed(cluster, a)
  t.same(listed.instances.map((i) => i.id).sort(), cluster.members.map((m) => m.gk.instanceId).sort(), 'GET /v1/instances lists every instance by its id')
  t.same(listed.silent, [])
  t.match(listed.instances[0], { host: String, pid: process.pid, version: listed.version, inFlight: 0, webSockets: 0, startedAt: String, seenAt: String })
  for (const m of [a, b, c]) t.equal((await m.publicGet()).status, 200, `${m.name} lets the public in`)

  const res = await a.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'Backup' })
  // straight after the answer: nothing else has had a chance to run
  const [onB, onC] = await Promise.all([b.publicGet(), c.publicGet()])
  t.equal(res.status, 200)
  t.equal(onB.status, 503, 'B turns the public away as soon as the call returns')
  t.equal(onC.status, 503, 'so does C')
  const body = await res.json() as Confirmed
  t.equal(body.confirmation.wait, 'applied')
  t.equal(body.confirmation.version, body.version)
  t.equal(body.confirmation.instances.length, 3, 'the answer lists the three instances')
  t.ok(body.confirmation.instances.every((i) => i.version >= body.version), 'each reports the new version')
})

t.test('the wait holds until the last instance reports the version, and gives up with the laggards', async (t) => {
  const cluster = await startCluster(t)
  const [a, b, c] = members(cluster.members)
  // a fourth instance that applies a state only when this test says so
  const connection = connectRedis(redisStoreConfig({ url: cluster.redis.url }))
  const straggler = createRedisRegistry(connection, CLUSTER_TIMING.heartbeatMs, CLUSTER_TIMING.staleMs)
  t.teardown(async () => {
    await straggler.close()
    await connection.close()
  })
  let stragglerVersion = a.gk.runtime.current().version
  straggler.start(() => ({ id: 'straggler', host: 'elsewhere', pid: 1, version: stragglerVersion, inFlight: 0, webSockets: 0, startedAt: new Date().toISOString() }))
  await until('A lists four instances', async () => ((await (await a.admin('GET', '/v1/instances')).json()) as InstancesBody).instances.length === 4)

  const timedOut = await a.admin('POST', '/v1/close?wait=applied&timeout=1', { reason: 'Backup' })
  t.equal(timedOut.status, 504)
  const err = await timedOut.json() as TimedOut
  t.match(err, { statusCode: 504, code: 'GK_ERR_TIMEOUT', error: 'Gateway Timeout' })
  t.match(err.message, /the change is made \(version \d+\), but not every instance had applied it within 1 s; still waiting on straggler \(at version \d+\)/)
  t.same(err.laggards.map((i) => [i.id, i.version, i.silent]), [['straggler', stragglerVersion, false]], 'the laggard, with the version it has')
  t.equal(err.instances.length, 4, 'and every live instance as last seen')
  t.equal((await b.publicGet()).status, 503, 'the change stands: a timed-out wait undoes nothing')

  const order: string[] = []
  const readOnly = err.version + 1
  const pending = a.admin('POST', '/v1/read-only?wait=applied&timeout=10').then((res) => { order.push('answered'); return res })
  await until('B and C applied the read-only state', () => b.gk.runtime.current().version === readOnly && c.gk.runtime.current().version === readOnly)
  // room for a wait that wrongly counts three of four instances to answer
  await sleep(300)
  order.push('the straggler applies it')
  stragglerVersion = readOnly
  await straggler.reportNow()
  const res = await pending
  t.equal(res.status, 200)
  t.same(order, ['the straggler applies it', 'answered'], 'the answer came only once the last instance reported')
  t.equal((await res.json() as Confirmed).confirmation.instances.length, 4)

  // cut off without leaving: it may still be serving the state before the next change
  connection.client.disconnect()
  await until('the straggler is listed as silent', async () => ((await (await a.admin('GET', '/v1/instances')).json()) as InstancesBody).silent.length === 1)
  const silent = await a.admin('POST', '/v1/open?wait=applied&timeout=1')
  t.equal(silent.status, 504, 'a silent instance is never counted as done')
  const silentErr = await silent.json() as TimedOut
  t.same(silentErr.laggards.map((i) => [i.id, i.silent]), [['straggler', true]])
  t.match(silentErr.message, /straggler \(silent since .*: it may still be serving an older state\)/)
})
