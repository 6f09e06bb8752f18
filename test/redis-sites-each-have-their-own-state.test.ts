import t from 'tap'
import { Redis } from 'ioredis'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { until } from './helpers/cluster.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { startRedis } from './helpers/redis-server.js'

t.test('on Redis, each site has its own keys, its own versions, and every instance follows each', async (t) => {
  const redisServer = await startRedis(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const redis = new Redis(redisServer.url)
  t.teardown(() => redis.quit())
  const start = async (): Promise<Awaited<ReturnType<typeof startGatekeeper>>> => {
    const dir = tempDir(t)
    const raw = rawConfig(dir, '', { store: { type: 'redis', url: redisServer.url, localCopyPath: join(dir, 'state.local.json'), resyncIntervalMs: 200, commandTimeoutMs: 500 } })
    delete raw.upstream
    raw.sites = [
      { name: 'app1', hosts: ['portal.test'], upstream: upstream.url },
      { name: 'app2', hosts: ['other.test'], upstream: upstream.url }
    ]
    const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
    t.teardown(() => gk.close())
    return gk
  }
  const a = await start()
  const b = await start()
  const status = async (url: string, host: string): Promise<number> => (await get(url + '/', { headers: { host } })).status

  const closed = await adminClient(a.adminUrl)('POST', '/v1/sites/app1/close', { reason: 'app1 upgrade' })
  t.equal(closed.status, 200)
  t.match(JSON.parse(await redis.get('gatekeeper:site:app1:state') ?? '{}'), { mode: 'closed', reason: 'app1 upgrade' }, 'app1 has its own key')
  t.match(JSON.parse(await redis.get('gatekeeper:site:app2:state') ?? '{}'), { mode: 'open', version: 0 })
  await until('b applied app1\'s close', async () => await status(b.publicUrl, 'portal.test') === 503)
  t.equal(await status(b.publicUrl, 'other.test'), 200, 'app2 still serves on the other instance')

  // each site's versions are its own: app2's change is not refused for app1's
  const staged = await adminClient(b.adminUrl)('POST', '/v1/sites/app2/stage', { percent: 10 }, { 'if-match': '"0"' })
  t.equal(staged.status, 200)
  await until('a applied app2\'s stage', async () => (await (await adminClient(a.adminUrl)('GET', '/v1/sites/app2/state')).json() as { mode: string }).mode === 'staged')
  t.equal(await status(a.publicUrl, 'portal.test'), 503)
})
