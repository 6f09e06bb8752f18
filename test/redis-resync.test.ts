import t from 'tap'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { startRedis } from './helpers/redis-server.js'
import { policedRedisStore, recordChanges, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('a change written without a published message is picked up by the periodic re-read', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json'), { resyncIntervalMs: 50 }), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  const start = await store.init(initialState('open', ''))
  const changes = recordChanges(store)
  const client = new Redis(redis.url)
  t.teardown(() => client.quit())

  // as if the published message had been lost: SET alone, no PUBLISH
  const behindItsBack: State = { ...start, version: start.version + 1, mode: 'closed', reason: 'missed message', updatedAt: new Date().toISOString() }
  await client.set('gatekeeper:state', JSON.stringify(behindItsBack))
  t.same(await changes.seen('the re-read state', (s) => s.version === behindItsBack.version), behindItsBack)

  // the same document written again is no news: several re-reads later nothing more was emitted
  await client.set('gatekeeper:state', JSON.stringify(behindItsBack))
  await sleep(300)
  t.equal(changes.states.length, 1, 'an unchanged document is not emitted again')

  const next: State = { ...behindItsBack, version: behindItsBack.version + 1, mode: 'open', reason: '', updatedAt: new Date().toISOString() }
  await client.set('gatekeeper:state', JSON.stringify(next))
  await changes.seen('the next state', (s) => s.version === next.version)
  t.same(changes.states.map((s) => s.version), [behindItsBack.version, next.version])
})
