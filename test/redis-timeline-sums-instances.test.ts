import t from 'tap'
import { startCluster, until } from './helpers/cluster.js'
import { createManualClock } from './helpers/manual-clock.js'
import type { Timeline } from '../src/timeline/phases.js'

t.test('two instances on Redis: the timeline sums their per-minute counts, and counts a client seen by both once', async (t) => {
  const clock = createManualClock()
  const cluster = await startCluster(t, 2, { clock })
  const [a, b] = cluster.members
  if (a === undefined || b === undefined) throw new Error('two members')
  const since = new Date(Date.now() - 60_000).toISOString()
  t.equal((await a.admin('POST', '/v1/close?wait=applied', { reason: 'upgrade' })).status, 200)

  for (let i = 0; i < 4; i++) t.equal((await a.publicGet('/', { from: `127.0.3.${1 + (i % 2)}` })).status, 503)
  for (let i = 0; i < 6; i++) t.equal((await b.publicGet('/', { from: `127.0.3.${2 + (i % 3)}` })).status, 503)
  // each instance flushes its minute when the clock moves on
  clock.advance(61_000)

  for (const member of [a, b]) {
    let totals: Timeline['totals'] | undefined
    await until(`${member.name} reads both instances' counts`, async () => {
      const answer = await member.admin('GET', `/v1/timeline?from=${since}&tz=UTC`)
      totals = (await answer.json() as Timeline).totals
      return totals.experience.publicTurnedAway === 10
    })
    t.match(totals?.experience, { publicTurnedAway: 10, publicClients: 4, publicLetThrough: 0 }, `${member.name}: 4 + 6 requests, from 4 distinct clients`)
  }
  const keys = await fetchKeys(cluster.redis.url)
  t.ok(keys.length > 0 && keys.every((key) => key.ttl > 7 * 24 * 3600), 'the counts expire by themselves, after the 7 days kept')
})

async function fetchKeys (url: string): Promise<Array<{ key: string, ttl: number }>> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url)
  try {
    const keys = await client.keys('gatekeeper:timeline:*')
    return await Promise.all(keys.map(async (key) => ({ key, ttl: await client.ttl(key) })))
  } finally {
    client.disconnect()
  }
}
