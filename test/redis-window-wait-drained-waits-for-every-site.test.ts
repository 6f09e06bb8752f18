import t from 'tap'
import { until } from './helpers/cluster.js'
import { heldUpstream, startSitesCluster, type SitesMember } from './helpers/sites-cluster.js'

interface Figures { version: number, inFlight: number, webSockets: number }
interface Listed extends Figures { id: string, sites?: Record<string, Figures> }
interface WindowAnswer { id: string, sites: Record<string, { version: number, mode: string }>, confirmation?: { wait: string, versions: Record<string, number>, instances: Listed[] } }

async function listed (from: SitesMember): Promise<Listed[]> {
  const res = await from.admin('GET', '/v1/instances')
  return res.status === 200 ? (await res.json() as { instances: Listed[] }).instances : []
}

t.test('POST /v1/windows?wait=drained waits for every site of the window, then lists every instance', async (t) => {
  const app1 = await heldUpstream(t)
  const app2 = await heldUpstream(t)
  const app3 = await heldUpstream(t)
  const members = await startSitesCluster(t, [
    { name: 'app1', hosts: ['a.test'], upstream: app1.url },
    { name: 'app2', hosts: ['b.test'], upstream: app2.url },
    { name: 'app3', hosts: ['c.test'], upstream: app3.url }
  ])
  const [a, , c] = members as [SitesMember, SitesMember, SitesMember]
  // should the test fail midway, nothing stays held while the gatekeepers close
  t.teardown(() => { for (const app of [app1, app2, app3]) app.release() })

  // one request held on app1 by a, one on app2 by c, one on app3 (not in the window) by c
  const held = [a.publicGet('a.test', '/slow'), c.publicGet('b.test', '/slow'), c.publicGet('c.test', '/slow')]
  await Promise.all([app1.arrivals(1), app2.arrivals(1), app3.arrivals(1)])
  await until('a sees every request in flight', async () => {
    const list = await listed(a)
    return list.length === 3 && list.reduce((sum, i) => sum + (i.sites?.app1?.inFlight ?? 0) + (i.sites?.app2?.inFlight ?? 0) + (i.sites?.app3?.inFlight ?? 0), 0) === 3
  }, 15_000)

  const order: string[] = []
  const opening = a.admin('POST', '/v1/windows?wait=drained&timeout=60', { sites: ['app1', 'app2'], reason: 'both' })
    .then((res) => { order.push('the window answered'); return res })
  await until('every instance has applied the window', async () => (await listed(a)).every((i) => i.sites?.app1?.version === 1 && i.sites.app2?.version === 1))
  order.push('app1 released')
  app1.release()
  await until('a sees app1 drained everywhere', async () => (await listed(a)).every((i) => i.sites?.app1?.inFlight === 0))
  order.push('app2 released')
  app2.release()

  const res = await opening
  t.equal(res.status, 201)
  const body = await res.json() as WindowAnswer
  t.same(order, ['app1 released', 'app2 released', 'the window answered'], 'the window waited for both of its sites')
  t.same(Object.keys(body.sites).sort(), ['app1', 'app2'])
  t.same(body.confirmation?.versions, { app1: 1, app2: 1 })
  t.equal(body.confirmation?.wait, 'drained')
  t.same(body.confirmation?.instances.map((i) => i.id), members.map((m) => m.gk.instanceId).sort(), 'every instance confirmed')
  t.ok(body.confirmation?.instances.every((i) => i.sites?.app1?.inFlight === 0 && i.sites.app2?.inFlight === 0), 'both sites drained everywhere')
  t.equal(body.confirmation?.instances.find((i) => i.id === c.gk.instanceId)?.sites?.app3?.inFlight, 1, 'app3, not in the window, was not waited for')
  app3.release()
  for (const answer of await Promise.all(held)) t.equal(answer.status, 200)
})
