import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { State } from '../src/state/types.js'
import { startCluster, until } from './helpers/cluster.js'
import { tempDir } from './helpers/harness.js'

t.test('a forged "open" published on the changes channel changes nothing: the instance acts on the stored document only', async (t) => {
  const cluster = await startCluster(t, 0)
  const dir = tempDir(t)
  // a resync interval far beyond the test: whatever happens here happens on the message alone
  const store = { type: 'redis', url: cluster.redis.url, localCopyPath: join(dir, 'local.json'), resyncIntervalMs: 600_000, commandTimeoutMs: 500 }
  const a = await cluster.start('a', { initialMode: 'closed', store })
  const redis = new Redis(cluster.redis.url)
  t.teardown(() => redis.quit())

  t.equal((await a.publicGet('/')).status, 503, 'closed to start with')
  const applied: Array<[number, string]> = []
  a.gk.runtime.onApplied((next) => { applied.push([next.version, next.mode]) })
  const stored = await redis.get('gatekeeper:state')
  const start = JSON.parse(stored ?? 'null') as State
  t.equal(start.mode, 'closed')

  // anyone who can PUBLISH: a well-formed open document, many versions ahead
  const forged: State = { ...start, version: start.version + 100, mode: 'open', percent: 100, reason: '', updatedAt: new Date().toISOString(), updatedBy: 'mallory' }
  t.equal(await redis.publish('gatekeeper:changes', JSON.stringify(forged)), 1, 'the instance is listening')

  // a real change after the forgery, written to the key and hinted on the channel: once the
  // instance has it, it has handled the forged message before it
  const real: State = { ...start, version: start.version + 1, reason: 'still closed', updatedAt: new Date().toISOString(), updatedBy: 'ops' }
  await redis.set('gatekeeper:state', JSON.stringify(real))
  await redis.publish('gatekeeper:changes', JSON.stringify({ version: real.version }))
  await until('the instance applied something after the start', () => a.gk.runtime.current().version !== start.version)

  const now = a.gk.runtime.current()
  t.equal(now.mode, 'closed', 'still closed')
  t.equal(now.version, real.version, 'the version in force is the stored one, not the forged one')
  t.equal(now.state.reason, 'still closed')
  t.equal((await a.publicGet('/')).status, 503, 'the public still gets the maintenance page')
  t.same(applied, [[real.version, 'closed']], 'the forged document was never applied, not even for a moment')
  t.equal(JSON.parse(await redis.get('gatekeeper:state') ?? 'null').version, real.version, 'the stored document is untouched')

  // a forged document at the next version after the real one: not applied either
  await redis.publish('gatekeeper:changes', JSON.stringify({ ...forged, version: real.version + 1 }))
  const later: State = { ...real, version: real.version + 1, reason: 'closed, later', updatedAt: new Date().toISOString() }
  await redis.set('gatekeeper:state', JSON.stringify(later))
  await redis.publish('gatekeeper:changes', 'not even json')
  await until('the instance applied the later stored document', () => a.gk.runtime.current().state.reason === 'closed, later')
  t.same(applied, [[real.version, 'closed'], [later.version, 'closed']], 'only stored documents were applied')
  t.equal((await a.publicGet('/')).status, 503)
})
