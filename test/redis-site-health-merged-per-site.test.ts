import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startCluster, until, type Member } from './helpers/cluster.js'
import { get } from './helpers/harness.js'

const HEALTH = {
  healthGate: {
    enabled: true,
    action: 'abort',
    evaluateEveryMs: 100,
    windowSeconds: 30,
    serverErrors: { maxShare: 0.05, minSamples: 20 },
    connectionErrors: { maxShare: 0.05, minSamples: 20 },
    latencyP99: { maxMs: 5000, minSamples: 50 }
  }
}

t.test('on Redis, a site\'s health gate merges that site\'s figures from every instance, and closes that site alone', async (t) => {
  const cluster = await startCluster(t, 0)
  const extra = {
    ...HEALTH,
    upstream: undefined,
    sites: [
      { name: 'default', hosts: ['main.test'], upstream: cluster.upstream.url },
      { name: 'app1', hosts: ['app1.test'], upstream: cluster.upstream.url }
    ]
  }
  const a = await cluster.start('a', extra)
  const b = await cluster.start('b', extra)
  const modeOf = (member: Member, site: string): string | undefined => member.gk.sites.get(site)?.runtime.current().mode
  t.equal((await a.admin('POST', '/v1/sites/app1/stage', { percent: 100 })).status, 200)
  t.equal((await a.admin('POST', '/v1/stage', { percent: 100 })).status, 200)
  await until('b applies both stagings', () => modeOf(b, 'app1') === 'staged' && modeOf(b, 'default') === 'staged')

  const fail = async (member: Member, i: number): Promise<number> => (await get(member.gk.publicUrl + '/status/500', { from: `127.0.3.${10 + i}`, headers: { host: 'app1.test' } })).status
  for (let i = 0; i < 12; i++) t.equal(await fail(a, i), 500)
  await sleep(1000)
  t.equal(modeOf(a, 'app1'), 'staged', '12 failed answers on one instance are not enough to judge')

  // 12 more on b: together 24, above the minimum of 20; the last may already be the page
  for (let i = 0; i < 8; i++) t.equal(await fail(b, i), 500)
  for (let i = 8; i < 12; i++) {
    const status = await fail(b, i)
    t.ok(status === 500 || status === 503, `the application's failure, or the page once the gate has judged (${status})`)
  }
  await until('the merged figures close app1', () => modeOf(a, 'app1') === 'closed' && modeOf(b, 'app1') === 'closed')
  await sleep(500)
  t.equal(modeOf(a, 'default'), 'staged', 'default, judged on its own answers, stays staged')
  t.equal(modeOf(b, 'default'), 'staged')
  const audit = await (await a.admin('GET', '/v1/audit?site=app1&limit=10')).json() as Array<{ action: string, after: Record<string, unknown> }>
  const tripped = audit.filter((entry) => entry.action === 'health.tripped')
  t.equal(tripped.length, 1, 'one instance acted, once')
  // a alone saw 12: more than that is b's too (the gate may judge before b's last answers were heard)
  const merged = (tripped[0]?.after.figures as { serverErrors?: number } | undefined)?.serverErrors ?? 0
  t.ok(merged > 12 && merged <= 24, `on both instances' figures (${merged} server errors)`)
})
