import t from 'tap'
import { startCluster, until } from './helpers/cluster.js'
import type { AuditEntry } from '../src/state/types.js'
import type { Timeline } from '../src/timeline/phases.js'

t.test('a Redis outage is audited once the store is back, and the timeline shows when it began and ended', async (t) => {
  const cluster = await startCluster(t, 1)
  const [a] = cluster.members
  if (a === undefined) throw new Error('one member')
  const since = new Date(Date.now() - 1000).toISOString()
  t.equal((await a.admin('POST', '/v1/close', { reason: 'upgrade' })).status, 200)

  const down = Date.now()
  await cluster.redis.stop()
  await until('the instance sees the store gone', () => !a.gk.store.health().ok)
  await cluster.redis.restart()
  let recovered: AuditEntry | undefined
  await until('the outage is in the audit', async () => {
    const answer = await a.admin('GET', '/v1/audit?limit=20')
    if (answer.status !== 200) return false
    recovered = (await answer.json() as AuditEntry[]).find((e) => e.action === 'store.recovered')
    return recovered !== undefined
  })
  t.match(recovered, { actor: 'gatekeeper', before: null, after: { since: String, reason: String, instance: a.gk.instanceId } })
  t.ok(Date.parse(String(recovered?.after.since)) >= down - 1000, 'the outage began when Redis went away')

  const timeline = await (await a.admin('GET', `/v1/timeline?from=${since}&tz=UTC`)).json() as Timeline
  const store = timeline.phases.flatMap((p) => p.events).filter((e) => e.kind === 'store')
  t.match(store, [{ action: 'store.unreachable', what: 'the state store was out of reach', at: recovered?.after.since }, { action: 'store.recovered', what: 'the state store was back' }])
})
