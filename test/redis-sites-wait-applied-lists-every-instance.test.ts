import t from 'tap'
import { until } from './helpers/cluster.js'
import { namedUpstream } from './helpers/sites.js'
import { startSitesCluster, type SitesMember } from './helpers/sites-cluster.js'

interface Figures { version: number, inFlight: number, webSockets: number }
interface Listed extends Figures { id: string, sites?: Record<string, Figures> }

t.test('?wait=applied on a site lists all three instances at the site\'s new version', async (t) => {
  const members = await startSitesCluster(t, [
    { name: 'app1', hosts: ['a.test'], upstream: await namedUpstream(t, 'app1') },
    { name: 'app2', hosts: ['b.test'], upstream: await namedUpstream(t, 'app2') }
  ])
  const [a, b, c] = members as [SitesMember, SitesMember, SitesMember]
  await until('a lists three instances', async () => ((await (await a.admin('GET', '/v1/instances')).json()) as { instances: unknown[] }).instances.length === 3)

  const res = await b.admin('POST', '/v1/sites/app2/stage?wait=applied&timeout=60', { percent: 25 })
  t.equal(res.status, 200)
  const body = await res.json() as { version: number, confirmation: { wait: string, site: string, version: number, instances: Listed[] } }
  t.equal(body.version, 1)
  t.match(body.confirmation, { wait: 'applied', site: 'app2', version: 1 })
  t.same(body.confirmation.instances.map((i) => i.id), members.map((m) => m.gk.instanceId).sort(), 'all three instances, sorted')
  for (const instance of body.confirmation.instances) {
    t.same(instance.sites?.app2, { version: 1, inFlight: 0, webSockets: 0 }, `${instance.id} is at app2's new version`)
    t.equal(instance.sites?.app1?.version, 0, `${instance.id} reports app1 on its own version`)
  }
  const answer = await c.publicGet('b.test')
  t.ok([200, 503].includes(answer.status), 'c serves app2 staged')
  t.equal((await (await c.admin('GET', '/v1/sites/app2/state')).json() as { mode: string }).mode, 'staged')
})
