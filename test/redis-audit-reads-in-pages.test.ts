import t from 'tap'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { initialState } from '../src/state/initial.js'
import { startRedis } from './helpers/redis-server.js'
import { by, eventually, policedRedisStore, recordingLogger, storeConfig, tempDir } from './helpers/redis-fixtures.js'

t.test('reading the audit asks Redis for the newest entries it needs (XREVRANGE … COUNT), never the whole stream', async (t) => {
  const redis = await startRedis(t)
  const dir = await tempDir(t)
  const store = policedRedisStore(storeConfig(redis, join(dir, 'local.json')), recordingLogger().logger, 'last-known')
  t.teardown(() => store.close())
  await store.init(initialState('closed', 'upgrade'))
  for (let i = 0; i < 40; i++) await store.note(by('gatekeeper', 'tick'), { i })

  // MONITOR shows every command the server runs, with its arguments
  const client = new Redis(redis.url)
  t.teardown(() => client.disconnect())
  const monitor = await client.monitor()
  const commands: string[][] = []
  monitor.on('monitor', (_time: string, args: string[]) => { commands.push(args) })

  const page = await store.readAudit(5)
  t.same(page.map((entry) => (entry.after as { i: number }).i), [39, 38, 37, 36, 35], 'the newest five, newest first')
  const marker = new Redis(redis.url)
  t.teardown(() => marker.quit())
  await marker.echo('read done')
  await eventually('MONITOR has shown the marker', () => commands.some((args) => args[0]?.toLowerCase() === 'echo'))

  const reads = commands.filter((args) => /^x(rev)?range$|^xread/i.test(args[0] ?? ''))
  t.equal(reads.length, 1, 'one read')
  t.same(reads[0]?.map((arg) => arg.toLowerCase()), ['xrevrange', 'gatekeeper:audit', '+', '-', 'count', '5'], 'newest first, five entries at most')
  monitor.disconnect()
})
