import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { startCluster, until } from './helpers/cluster.js'

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

t.test('the health gate judges the figures of every instance together, not each on its own', async (t) => {
  const cluster = await startCluster(t, 0)
  const a = await cluster.start('a', HEALTH)
  const b = await cluster.start('b', HEALTH)
  t.equal((await a.admin('POST', '/v1/stage?wait=applied', { percent: 100 })).status, 200)

  // 12 failures on a, from 12 clients (one client counts for only a few answers): under the minimum sample of 20, whoever judges
  const client = (i: number): { from: string } => ({ from: `127.0.3.${10 + i}` })
  for (let i = 0; i < 12; i++) t.equal((await a.publicGet('/status/500', client(i))).status, 500)
  await sleep(1000)
  const stillStaged = await (await b.admin('GET', '/v1/state')).json() as { mode: string }
  t.equal(stillStaged.mode, 'staged', '12 failed answers on one instance are not enough to judge')

  // 12 more on b: neither instance alone has 20, together they have 24. The
  // gate may judge as soon as the 20th failure is in, so the answers after
  // the 8th on b may already be the page
  for (let i = 0; i < 8; i++) t.equal((await b.publicGet('/status/500', client(i))).status, 500)
  for (let i = 8; i < 12; i++) {
    const { status } = await b.publicGet('/status/500', client(i))
    t.ok(status === 500 || status === 503, `the application's failure, or the page once the gate has judged (${status})`)
  }
  await until('the merged figures close the site', async () => {
    const state = await (await a.admin('GET', '/v1/state')).json() as { mode: string }
    return state.mode === 'closed'
  })
  t.equal((await a.publicGet('/')).status, 503, 'a holds the public')
  await until('b applies the close', async () => (await b.publicGet('/')).status === 503)
  const audit = await (await a.admin('GET', '/v1/audit?limit=20')).json() as Array<{ action: string, after: Record<string, unknown> }>
  const tripped = audit.find((entry) => entry.action === 'health.tripped')
  t.ok(tripped, 'the audit says the health gate tripped')
  t.match(JSON.stringify(tripped?.after), /24|5xx|server/i, 'with the figures it judged')
})
