import t from 'tap'
import { Redis } from 'ioredis'
import { startCluster, until } from './helpers/cluster.js'

interface StateBody { version: number, mode: string }
interface AuditBody { version: number, action: string }

t.test('an If-Match naming a version already changed by someone else is refused with 412, and changes nothing', async (t) => {
  const cluster = await startCluster(t, 2)
  const [a, b] = cluster.members
  if (a === undefined || b === undefined) throw new Error('two members')
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())

  const res = await b.admin('GET', '/v1/state')
  const seen = (await res.json() as StateBody).version
  t.equal(res.headers.get('etag'), `"${seen}"`)

  // v → v+1 on the other instance, and b has applied it
  const closed = await a.admin('POST', '/v1/close?wait=applied&timeout=10', { reason: 'upgrade' }, { 'if-match': `"${seen}"` })
  t.equal(closed.status, 200)
  t.equal((await closed.json() as StateBody).version, seen + 1)
  await until('b applied the close', () => b.gk.runtime.current().version === seen + 1)
  const stored = await redis.get('gatekeeper:state')

  // b is asked to open on the strength of the version read before the close
  for (const m of [b, a]) {
    const stale = await m.admin('POST', '/v1/open', undefined, { 'if-match': `"${seen}"` })
    t.equal(stale.status, 412, `${m.name} refuses the stale If-Match`)
    t.match(await stale.json(), { code: 'GK_ERR_VERSION_MISMATCH', message: new RegExp(`the state is at version ${seen + 1}, not ${seen}`) })
  }
  t.equal(await redis.get('gatekeeper:state'), stored, 'the stored state is unchanged')
  for (const m of [a, b]) {
    t.same([m.gk.runtime.current().version, m.gk.runtime.current().mode], [seen + 1, 'closed'], `${m.name} still serves the close`)
    t.equal((await m.publicGet('/')).status, 503)
  }
  const audit = await (await a.admin('GET', '/v1/audit?limit=5')).json() as AuditBody[]
  t.same(audit.map((entry) => [entry.version, entry.action]).slice(0, 1), [[seen + 1, 'close']], 'no audit entry for the refused change')
})
