import t from 'tap'
import { parseRedisStoreConfig } from '../src/store/redis-config.js'

t.test('a url alone gets the defaults', async (t) => {
  t.same(parseRedisStoreConfig({ type: 'redis', url: 'redis://127.0.0.1:6379' }), {
    url: 'redis://127.0.0.1:6379',
    keyPrefix: 'gatekeeper:',
    auditMaxLen: 10000,
    resyncIntervalMs: 5000,
    localCopyPath: 'var/state.local.json',
    commandTimeoutMs: 2000
  })
})

t.test('Sentinel and Cluster settings are kept', async (t) => {
  t.match(parseRedisStoreConfig({ sentinels: [{ host: 's1', port: 26379 }], name: 'main', db: 2 }),
    { sentinels: [{ host: 's1', port: 26379 }], name: 'main', db: 2 })
  t.match(parseRedisStoreConfig({ cluster: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }], keyPrefix: 'shop:' }),
    { cluster: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }], keyPrefix: 'shop:' })
})

t.test('the password may come from the environment', async (t) => {
  const config = parseRedisStoreConfig({ url: 'redis://r:6379', passwordEnv: 'GK_REDIS_PASSWORD' }, 'store', { GK_REDIS_PASSWORD: 's3cret' })
  t.equal(config.password, 's3cret')
  t.throws(() => parseRedisStoreConfig({ url: 'redis://r:6379', passwordEnv: 'GK_REDIS_PASSWORD' }, 'store', {}),
    { code: 'GK_ERR_CONFIG', message: /store\.passwordEnv: the environment variable GK_REDIS_PASSWORD is not set/ })
})

t.test('every bad setting is named', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['redis://x', /store: must be an object/],
    [{}, /store\.url: give exactly one of store\.url .*store\.sentinels .*store\.cluster/],
    [{ url: 'redis://x:1', cluster: [{ host: 'n', port: 1 }] }, /store\.url: give exactly one/],
    [{ url: 'http://x:1' }, /store\.url: must start with redis:\/\/ or rediss:\/\//],
    [{ url: 'redis://user:hunter2@host:99999' }, /store\.url: is not a URL/],
    [{ sentinels: [{ host: 's', port: 26379 }] }, /store\.name: is required with sentinels/],
    [{ url: 'redis://x:1', name: 'main' }, /store\.name: only applies with sentinels/],
    [{ sentinels: [{ host: 's', port: 0 }], name: 'm' }, /store\.sentinels\[0\]\.port: must be an integer from 1 to 65535/],
    [{ cluster: [{ port: 7000 }] }, /store\.cluster\[0\]\.host: is required/],
    [{ cluster: [] }, /store\.cluster: must be a non-empty list/],
    [{ cluster: [{ host: 'n', port: 7000 }], db: 1 }, /store\.db: cannot be used with a cluster/],
    [{ url: 'redis://x:1', auditMaxLen: 0 }, /store\.auditMaxLen: must be an integer from 1/],
    [{ url: 'redis://x:1', resyncIntervalMs: 'often' }, /store\.resyncIntervalMs: must be an integer/],
    [{ url: 'redis://x:1', keyPrefix: '{gk}' }, /store\.keyPrefix: must not contain spaces or braces/],
    [{ url: 'redis://x:1', password: 'a', passwordEnv: 'B' }, /store\.passwordEnv: give either/],
    [{ url: 'redis://x:1', type: 'file' }, /store\.type: is "file"/],
    [{ url: 'redis://x:1', sentinel: [] }, /store\.sentinel: is not a setting of the redis store/]
  ]
  for (const [raw, message] of cases) {
    t.throws(() => parseRedisStoreConfig(raw), { code: 'GK_ERR_CONFIG', message }, JSON.stringify(raw))
  }
})

t.test('a URL that fails to parse is not echoed: it may hold a password', async (t) => {
  let message = ''
  try {
    parseRedisStoreConfig({ url: 'redis://user:hunter2@host:99999' })
  } catch (err) {
    message = (err as Error).message
  }
  t.match(message, /store\.url/)
  t.notMatch(message, /hunter2/)
})
