import t from 'tap'
import { startCluster, until, type InstancesBody, type Member } from './helpers/cluster.js'

interface Listed { id: string, inFlight: number, webSockets: number }

function members (list: Member[]): [Member, Member, Member] {
  const [a, b, c] = list
  if (a === undefined || b === undefined || c === undefined) throw new Error('three members')
  return [a, b, c]
}

async function listedInFlight (from: Member, on: Member): Promise<number> {
  const body = await (await from.admin('GET', '/v1/instances')).json() as InstancesBody
  return body.instances.find((i) => i.id === on.gk.instanceId)?.inFlight ?? -1
}

t.test('close?wait=drained on A returns after a slow public request in flight on C has finished', async (t) => {
  const cluster = await startCluster(t)
  const [a, b, c] = members(cluster.members)
  const order: string[] = []
  const slow = c.publicGet('/slow?ms=1500').then((res) => { order.push('the slow request on C finished'); return res })
  await until('A sees the request in flight on C', async () => await listedInFlight(a, c) === 1)

  const res = await a.admin('POST', '/v1/close?wait=drained&timeout=10', { reason: 'Backup' })
  order.push('the close returned')
  t.equal(res.status, 200)
  const body = await res.json() as { version: number, confirmation: { wait: string, version: number, instances: Listed[] } }
  t.equal((await slow).status, 200, 'the request admitted before the close completed')
  t.same(order, ['the slow request on C finished', 'the close returned'])
  t.equal(body.confirmation.wait, 'drained')
  t.equal(body.confirmation.instances.length, 3)
  t.ok(body.confirmation.instances.every((i) => i.inFlight === 0 && i.webSockets === 0), 'no public request or websocket left anywhere')
  for (const m of [b, c]) t.equal((await m.publicGet('/slow?ms=10')).status, 503, `${m.name} admits no new public request`)
})

t.test('wait=drained gives up with 504 naming the instance still busy, and the close stands', async (t) => {
  const cluster = await startCluster(t)
  const [a, b, c] = members(cluster.members)
  const slow = c.publicGet('/slow?ms=2500')
  await until('A sees the request in flight on C', async () => await listedInFlight(a, c) === 1)

  const res = await a.admin('POST', '/v1/close?wait=drained&timeout=1')
  t.equal(res.status, 504)
  const err = await res.json() as { code: string, message: string, laggards: Listed[] }
  t.equal(err.code, 'GK_ERR_TIMEOUT')
  t.same(err.laggards.map((i) => [i.id, i.inFlight]), [[c.gk.instanceId, 1]], 'C is the laggard, with its request in flight')
  t.match(err.message, new RegExp(`not every instance had applied it and drained within 1 s; still waiting on ${c.gk.instanceId.replace(/\./g, '\\.')} \\(1 public requests and 0 public websockets still open\\)`))
  t.equal((await b.publicGet()).status, 503, 'the close stands')
  t.equal((await slow).status, 200)
})
