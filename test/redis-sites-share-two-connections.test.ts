import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import t from 'tap'
import { Redis } from 'ioredis'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { CLUSTER_TIMING, until } from './helpers/cluster.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { startRedis } from './helpers/redis-server.js'

/** The connections Redis has from clients other than `own`, by name of the command they last ran. */
async function clientsOf (redis: Redis): Promise<string[]> {
  const own = await redis.client('ID') as number
  const list = String(await redis.client('LIST'))
  return list.split('\n').filter((line) => line.startsWith('id=') && !line.startsWith(`id=${own} `))
}

t.test('on Redis, an instance with five sites keeps two connections, shared by its state, its sites and its timeline', async (t) => {
  const redis = await startRedis(t)
  const probe = new Redis(redis.url)
  t.teardown(() => { probe.disconnect() })
  const dir = tempDir(t)
  mkdirSync(dir, { recursive: true })
  const raw = rawConfig(dir, '', { store: { type: 'redis', url: redis.url, localCopyPath: join(dir, 'state.local.json'), resyncIntervalMs: 200, commandTimeoutMs: 500 } })
  delete raw.upstream
  raw.sites = ['app1', 'app2', 'app3', 'app4', 'app5'].map((name) => ({ name, hosts: [`${name}.test`], upstream: 'http://127.0.0.1:9' }))
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }), registry: CLUSTER_TIMING })
  let closed = false
  t.teardown(async () => { if (!closed) await gk.close() })
  const admin = adminClient(gk.adminUrl)

  const clients = await clientsOf(probe)
  t.equal(clients.length, 2, `two connections (one for commands, one subscribed), not one pair per site and per timeline:\n${clients.join('\n')}`)
  t.equal(clients.filter((line) => / sub=[1-9]/.test(line)).length, 1, 'one of them holds every subscription')

  // each site still changes on its own keys, through the shared clients
  t.equal((await admin('POST', '/v1/sites/app4/close?wait=applied', { reason: 'app4 only' })).status, 200)
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.7', headers: { host: 'app4.test' } })).status, 503)
  const other = JSON.parse(String(await probe.get('gatekeeper:site:app2:state'))) as { version: number, mode: string }
  t.equal(other.mode, 'open', 'app2 is open in Redis')

  await gk.close()
  closed = true
  await until('the instance has let go of both connections', async () => (await clientsOf(probe)).length === 0)
  t.pass('closing the instance closes the shared clients once')
})
