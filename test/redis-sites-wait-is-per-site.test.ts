import t from 'tap'
import { until } from './helpers/cluster.js'
import { namedUpstream } from './helpers/sites.js'
import { heldUpstream, startSitesCluster, type SitesMember } from './helpers/sites-cluster.js'

interface Figures { version: number, inFlight: number, webSockets: number }
interface Listed extends Figures { id: string, sites?: Record<string, Figures> }
interface Changed { version: number, mode: string, confirmation?: { wait: string, site?: string, version: number, instances: Listed[] } }

/** How many slow public requests to site B each instance holds open: a bounded load. */
const HELD_PER_INSTANCE = 2

async function listed (from: SitesMember): Promise<Listed[]> {
  const res = await from.admin('GET', '/v1/instances')
  return res.status === 200 ? (await res.json() as { instances: Listed[] }).instances : []
}

t.test('three instances on Redis with two sites: a change on site A under load on site B never blocks B\'s changes, and ?wait= is per site', async (t) => {
  const appA = await namedUpstream(t, 'appA')
  const appB = await heldUpstream(t)
  const members = await startSitesCluster(t, [
    { name: 'app1', hosts: ['a.test'], upstream: appA },
    { name: 'app2', hosts: ['b.test'], upstream: appB.url }
  ])
  const [a, b] = members as [SitesMember, SitesMember, SitesMember]
  // should the test fail midway, nothing stays held while the gatekeepers close
  t.teardown(() => { appB.release() })

  // the load: slow public requests to B held open on every instance
  let finished = 0
  const load = members.flatMap((m) => Array.from({ length: HELD_PER_INSTANCE }, async () => {
    const answer = await m.publicGet('b.test', '/slow')
    finished++
    return answer
  }))
  await appB.arrivals(members.length * HELD_PER_INSTANCE)
  await until('every instance reports its requests in flight on app2, and none on app1', async () => {
    const list = await listed(a)
    return list.length === members.length && list.every((i) => i.sites?.app2?.inFlight === HELD_PER_INSTANCE && i.sites?.app1?.inFlight === 0)
  }, 15_000)

  // a drain of A does not wait for B's requests
  const closeA = await a.admin('POST', '/v1/sites/app1/close?wait=drained&timeout=60', { reason: 'app1 upgrade' })
  t.equal(closeA.status, 200, 'A\'s drain answers while B is under load')
  const closedA = await closeA.json() as Changed
  t.equal(closedA.confirmation?.wait, 'drained')
  t.equal(closedA.confirmation?.site, 'app1')
  t.equal(closedA.confirmation?.version, closedA.version)
  t.same(closedA.confirmation?.instances.map((i) => i.id).sort(), members.map((m) => m.gk.instanceId).sort(), 'all three instances confirmed')
  t.ok(closedA.confirmation?.instances.every((i) => i.sites?.app1?.version === closedA.version && i.sites.app1.inFlight === 0), 'each at A\'s new version, with nothing in flight on A')
  t.ok(closedA.confirmation?.instances.every((i) => i.sites?.app2?.inFlight === HELD_PER_INSTANCE), 'while B\'s requests are still in flight everywhere')
  t.equal(finished, 0, 'no request of the load on B has finished')

  // B's changes keep being accepted while A changes, each on its own version
  let versionA = closedA.version
  let versionB = (await (await b.admin('GET', '/v1/sites/app2/state')).json() as { version: number }).version
  for (let round = 0; round < 3; round++) {
    const [resA, resB] = await Promise.all([
      a.admin('POST', `/v1/sites/app1/${round % 2 === 0 ? 'open' : 'close'}?wait=applied&timeout=60`, round % 2 === 0 ? {} : { reason: 'again' }, { 'if-match': `"${versionA}"` }),
      b.admin('POST', `/v1/sites/app2/${round % 2 === 0 ? 'read-only' : 'open'}?wait=applied&timeout=60`, round % 2 === 0 ? { reason: 'reads only' } : {}, { 'if-match': `"${versionB}"` })
    ])
    t.equal(resA.status, 200, `round ${round}: A's change accepted`)
    t.equal(resB.status, 200, `round ${round}: B's change accepted, not refused for A's`)
    const changedA = await resA.json() as Changed
    const changedB = await resB.json() as Changed
    t.ok(changedB.confirmation?.instances.every((i) => i.sites?.app2?.version === changedB.version), `round ${round}: B applied everywhere`)
    versionA = changedA.version
    versionB = changedB.version
  }
  t.equal(finished, 0, 'B\'s load is still in flight')

  // B's own drain waits for B's requests
  const order: string[] = []
  const closingB = b.admin('POST', '/v1/sites/app2/close?wait=drained&timeout=60', { reason: 'app2 upgrade' }, { 'if-match': `"${versionB}"` })
    .then((res) => { order.push('B\'s close answered'); return res })
  await until('a has applied B\'s close', async () => (await (await a.admin('GET', '/v1/sites/app2/state')).json() as { mode: string }).mode === 'closed')
  await until('every instance reports B\'s close applied', async () => (await listed(a)).every((i) => i.sites?.app2?.version === versionB + 1))
  order.push('B\'s requests released')
  appB.release()
  const closeB = await closingB
  t.equal(closeB.status, 200)
  const closedB = await closeB.json() as Changed
  t.same(order, ['B\'s requests released', 'B\'s close answered'], 'B\'s drain waited for B\'s requests')
  t.equal(closedB.confirmation?.site, 'app2')
  t.ok(closedB.confirmation?.instances.every((i) => i.sites?.app2?.inFlight === 0 && i.sites.app2.webSockets === 0), 'drained on every instance')
  t.equal(closedB.confirmation?.instances.length, members.length)
  for (const answer of await Promise.all(load)) t.equal(answer.status, 200, 'a request of the load, admitted before the close, finished')
})
