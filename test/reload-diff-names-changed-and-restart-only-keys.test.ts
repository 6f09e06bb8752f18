import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { diffConfig } from '../src/reload/diff.js'
import { rawConfig, TEST_ENV } from './helpers/harness.js'

const base = rawConfig('/tmp/gk-diff', 'http://127.0.0.1:3000')
const parse = (extra: Record<string, unknown>): ReturnType<typeof parseConfig> => parseConfig({ ...base, ...extra }, TEST_ENV)

t.test('the same file changes nothing', async (t) => {
  t.same(diffConfig(parse({}), parse({})), { changed: [], restartOnly: [] })
})

t.test('live keys are named as changed, and need no restart', async (t) => {
  const diff = diffConfig(parse({}), parse({ allowlist: ['10.0.0.0/8'], logLevel: 'debug', publicRequestCutoffMs: 5000, accessLog: false }))
  t.same(diff.changed.sort(), ['accessLog', 'allowlist', 'logLevel', 'publicRequestCutoffMs'])
  t.same(diff.restartOnly, [])
})

t.test('a key written differently but meaning the same is no change', async (t) => {
  t.same(diffConfig(parse({ allowlist: ['10.0.0.0/8'] }), parse({ allowlist: [{ cidr: '10.0.0.0/8' }] })).changed, [])
})

t.test('listen changes live, in one process and with workers', async (t) => {
  const moved = { listen: [{ host: '127.0.0.1', port: 9999 }, { host: '127.0.0.1', port: 9998 }] }
  t.same(diffConfig(parse({}), parse(moved)), { changed: ['listen'], restartOnly: [] })
  t.same(diffConfig(parse({ workers: 2 }), parse({ workers: 2, ...moved })), { changed: ['listen'], restartOnly: [] })
})

t.test('store, workers and firewall need a restart; a listen changed with them does not add to them', async (t) => {
  const diff = diffConfig(parse({}), parse({ store: { type: 'file', path: '/tmp/elsewhere.json' }, workers: 2, listen: { host: '127.0.0.1', port: 9999 }, firewall: { enabled: false, apply: 'helper' } }))
  t.same(diff.restartOnly.sort(), ['firewall', 'store', 'workers'])
})

t.test('admin tokens change live, the admin listener does not', async (t) => {
  const admin = base.admin as { listen: unknown, tokens: unknown[] }
  const fewer = diffConfig(parse({}), parse({ admin: { ...admin, tokens: admin.tokens.slice(0, 1) } }))
  t.same(fewer, { changed: ['admin'], restartOnly: [] })
  const moved = diffConfig(parse({}), parse({ admin: { ...admin, listen: { host: '127.0.0.1', port: 9998 } } }))
  t.same(moved, { changed: ['admin'], restartOnly: ['admin.listen'] })
})

t.test('health gate thresholds change live, its window does not', async (t) => {
  t.same(diffConfig(parse({}), parse({ healthGate: { enabled: false } })).restartOnly, [])
  t.same(diffConfig(parse({}), parse({ healthGate: { windowSeconds: 120 } })).restartOnly, ['healthGate.windowSeconds'])
})

t.test('a key no reload part applies is refused, not silently ignored', async (t) => {
  t.same(diffConfig(parse({}), parse({ shutdownGraceMs: 5000 })).restartOnly, ['shutdownGraceMs'])
})

t.test('the application nodes change live', async (t) => {
  const diff = diffConfig(parse({}), parse({ upstream: 'http://127.0.0.1:3001' }))
  t.same(diff.restartOnly, [])
  t.same(diff.changed, ['upstream'], 'named as the file names it')
})

t.test('the WebSocket grace period changes live, its message limits do not', async (t) => {
  t.same(diffConfig(parse({}), parse({ websocket: { closeGraceMs: 1000 } })), { changed: ['websocket'], restartOnly: [] })
  t.same(diffConfig(parse({}), parse({ websocket: { maxMessageBytes: 4096 } })).restartOnly, ['websocket.maxMessageBytes'])
})
