import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

function parse (store: Record<string, unknown>, env: NodeJS.ProcessEnv = TEST_ENV): unknown {
  return parseConfig(rawConfig('/tmp/unused', 'http://127.0.0.1:3000', { store }), env)
}

t.test('a redis store section is validated at start-up, every error naming the key', async (t) => {
  const config = parseConfig(rawConfig('/tmp/unused', 'http://127.0.0.1:3000', { store: { type: 'redis', url: 'redis://127.0.0.1:6390/2', auditMaxLen: 500 } }), TEST_ENV)
  t.match(config.store, { type: 'redis', url: 'redis://127.0.0.1:6390/2', auditMaxLen: 500, keyPrefix: 'gatekeeper:', resyncIntervalMs: 5000, localCopyPath: 'var/state.local.json', commandTimeoutMs: 2000 }, 'parsed and defaulted')

  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ type: 'redis' }, /store\.url: give exactly one of store\.url/],
    [{ type: 'redis', url: 'http://127.0.0.1:6379' }, /store\.url: must start with redis:\/\/ or rediss:\/\//],
    [{ type: 'redis', url: 'redis://127.0.0.1', path: 'var/state.json' }, /store\.path: is not a setting of the redis store/],
    [{ type: 'redis', sentinels: [{ host: '10.0.0.1', port: 0 }], name: 'gk' }, /store\.sentinels\[0\]\.port: must be an integer from 1 to 65535, got 0/],
    [{ type: 'redis', url: 'redis://127.0.0.1', resyncIntervalMs: 1 }, /store\.resyncIntervalMs: must be an integer from 50/],
    [{ type: 'redis', url: 'redis://127.0.0.1', passwordEnv: 'GK_TEST_NO_SUCH_VARIABLE' }, /store\.passwordEnv: the environment variable GK_TEST_NO_SUCH_VARIABLE is not set/]
  ]
  for (const [store, message] of bad) {
    t.throws(() => parse(store), { code: 'GK_ERR_CONFIG', message }, JSON.stringify(store))
  }
  t.throws(() => parse({ type: 'redis', url: 'not a url with a secret' }), { message: /^((?!secret).)*$/ }, 'a URL that fails to parse is not echoed back')
})
