import t from 'tap'
import type { Timeline } from '../src/timeline/phases.js'
import { until } from './helpers/cluster.js'
import { createManualClock } from './helpers/manual-clock.js'
import { startSitesCluster, type SitesMember } from './helpers/sites-cluster.js'

async function timelineOf (member: SitesMember, site: string, since: string): Promise<Timeline> {
  const answer = await member.admin('GET', `/v1/sites/${site}/timeline?from=${since}&tz=UTC`)
  return await answer.json() as Timeline
}

t.test('on Redis, each site\'s timeline sums what every instance counted for that site, and only for it', async (t) => {
  const clock = createManualClock()
  // both sites are closed throughout: no request reaches their upstream
  const members = await startSitesCluster(t, [
    { name: 'app1', hosts: ['app1.test'], upstream: 'http://127.0.0.1:9' },
    { name: 'app2', hosts: ['app2.test'], upstream: 'http://127.0.0.1:9' }
  ], 2, { clock })
  const [a, b] = members as [SitesMember, SitesMember]
  const since = new Date(clock.now() - 60_000).toISOString()
  t.equal((await a.admin('POST', '/v1/sites/app1/close?wait=applied', { reason: 'app1 upgrade' })).status, 200)
  t.equal((await a.admin('POST', '/v1/sites/app2/close?wait=applied', { reason: 'app2 upgrade' })).status, 200)

  for (let i = 0; i < 3; i++) t.equal((await a.publicGet('app1.test')).status, 503)
  for (let i = 0; i < 2; i++) t.equal((await b.publicGet('app1.test')).status, 503)
  t.equal((await b.publicGet('app2.test')).status, 503)
  // each instance flushes each site's minute when the clock moves on
  clock.advance(61_000)

  for (const member of members) {
    await until(`${member.name} reads app1's counts from both instances`, async () => (await timelineOf(member, 'app1', since)).totals.experience.publicTurnedAway === 5)
    const app2 = await timelineOf(member, 'app2', since)
    t.equal(app2.totals.experience.publicTurnedAway, 1, `${member.name}: app2 counts its own request, and none of app1's`)
  }
})
