import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { TEST_ENV, rawConfig } from './helpers/harness.js'

const ENV = { ...TEST_ENV, HOOK_SECRET: 'a-secret-of-enough-length' }

function parse (webhooks: unknown, env: NodeJS.ProcessEnv = ENV): ReturnType<typeof parseConfig> {
  return parseConfig(rawConfig('/tmp/gk-unused', 'http://127.0.0.1:3000', { webhooks }), env)
}

t.test('webhooks read their secret from the environment and default the rest', async (t) => {
  t.same(parse(undefined).webhooks, { endpoints: [], timeoutMs: 5000, retries: 3, backoffMs: 1000, queueSize: 100 })
  const config = parse({ endpoints: [{ url: 'https://hooks.example.org/gk', secretEnv: 'HOOK_SECRET', events: ['ramp.*', 'mode.changed'] }], retries: 1 })
  t.same(config.webhooks.endpoints, [{ url: 'https://hooks.example.org/gk', secret: 'a-secret-of-enough-length', events: ['ramp.*', 'mode.changed'] }])
  t.equal(config.webhooks.retries, 1)
})

t.test('bad webhook settings stop start-up with the key named', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /webhooks: must be a mapping/],
    [{ endpoint: [] }, /webhooks\.endpoint: is not a known setting/],
    [{ endpoints: [{ url: 'ftp://x', secretEnv: 'HOOK_SECRET' }] }, /webhooks\.endpoints\[0\]\.url: must be http/],
    [{ endpoints: [{ url: 'not a url', secretEnv: 'HOOK_SECRET' }] }, /webhooks\.endpoints\[0\]\.url: must be a URL/],
    [{ endpoints: [{ url: 'http://127.0.0.1:9/h' }] }, /webhooks\.endpoints\[0\]\.secretEnv: is required/],
    [{ endpoints: [{ url: 'http://127.0.0.1:9/h', secretEnv: 'NOT_SET_ANYWHERE' }] }, /secretEnv: the environment variable NOT_SET_ANYWHERE must hold a secret/],
    [{ endpoints: [{ url: 'http://127.0.0.1:9/h', secretEnv: 'HOOK_SECRET', secret: 'inline' }] }, /webhooks\.endpoints\[0\]\.secret: is not a known setting/],
    [{ endpoints: [{ url: 'http://127.0.0.1:9/h', secretEnv: 'HOOK_SECRET', events: ['ramp.started', 'ramp.begun'] }] }, /webhooks\.endpoints\[0\]\.events\[1\]: must be an event name/],
    [{ timeoutMs: 0 }, /webhooks\.timeoutMs: must be a whole number from 100/],
    [{ retries: -1 }, /webhooks\.retries: must be a whole number from 0 to 20/]
  ]
  for (const [webhooks, message] of cases) {
    t.throws(() => parse(webhooks), { code: 'GK_ERR_CONFIG', message }, JSON.stringify(webhooks))
  }
})
