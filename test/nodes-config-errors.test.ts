import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { rawConfig, TEST_ENV } from './helpers/harness.js'

function parse (upstream: unknown): ReturnType<typeof parseConfig> {
  const raw = rawConfig('/tmp/unused', '')
  raw.upstream = upstream
  return parseConfig(raw, TEST_ENV)
}

const node = (name: string, url = 'http://10.0.0.11:8080'): Record<string, unknown> => ({ name, url })

t.test('one origin is one node named default, with no checks or affinity', async (t) => {
  const config = parse('http://127.0.0.1:3000')
  t.equal(config.upstream.origin, 'http://127.0.0.1:3000')
  t.same(config.nodes.nodes.map((n) => [n.name, n.url.origin, n.weight]), [['default', 'http://127.0.0.1:3000', 1]])
  t.equal(config.nodes.healthCheck, null)
  t.equal(config.nodes.affinityCookie, null)
  t.same(config.nodes.timeouts, { connectMs: 10_000, headersMs: 300_000, bodyMs: 300_000 })
  t.equal(config.nodes.maxConnectionsPerNode, null)
})

t.test('the contract example parses, durations in the one grammar', async (t) => {
  const config = parse({
    nodes: [{ name: 'stubing', url: 'http://10.0.0.11:8080' }, { name: 'walton', url: 'http://10.0.0.12:8080', weight: 1 }],
    healthCheck: { path: '/portal/health', interval: '5s', timeout: '2s', fall: 3, rise: 2 },
    affinity: { cookie: 'JSESSIONID' },
    timeouts: { connect: '5s', headers: '60s', body: 300 },
    maxConnectionsPerNode: 256
  })
  t.same(config.nodes.nodes.map((n) => n.name), ['stubing', 'walton'])
  t.equal(config.upstream.origin, 'http://10.0.0.11:8080', 'upstream is the first node')
  t.same(config.nodes.healthCheck, { path: '/portal/health', intervalMs: 5000, timeoutMs: 2000, fall: 3, rise: 2 })
  t.equal(config.nodes.affinityCookie, 'JSESSIONID')
  t.same(config.nodes.timeouts, { connectMs: 5000, headersMs: 60_000, bodyMs: 300_000 })
  t.equal(config.nodes.maxConnectionsPerNode, 256)
  t.equal(parse({ nodes: [node('a')], healthCheck: { interval: '500ms', timeout: 0.25 } }).nodes.healthCheck?.timeoutMs, 250)
  t.equal(parse({ nodes: [node('a')], affinity: 'none' }).nodes.affinityCookie, null)
  t.equal(parse({ nodes: [node('a')], affinity: { cookie: 'none' } }).nodes.affinityCookie, null)
})

const refusals: Array<[string, unknown, RegExp]> = [
  ['a timeout not shorter than the interval', { nodes: [node('a')], healthCheck: { interval: '2s', timeout: '2s' } }, /upstream\.healthCheck\.timeout: must be shorter than upstream\.healthCheck\.interval/],
  ['a longer timeout', { nodes: [node('a')], healthCheck: { interval: '1s', timeout: '5s' } }, /upstream\.healthCheck\.timeout/],
  ['a bad duration', { nodes: [node('a')], healthCheck: { interval: '5 s' } }, /upstream\.healthCheck\.interval: must be a duration/],
  ['a bad timeouts duration', { nodes: [node('a')], timeouts: { headers: '1.5m' } }, /upstream\.timeouts\.headers: must be a duration/],
  ['an upper-case name', { nodes: [node('Stubing')] }, /upstream\.nodes\[0\]\.name: must be lower-case/],
  ['a name starting with -', { nodes: [node('-a')] }, /upstream\.nodes\[0\]\.name/],
  ['a duplicate name', { nodes: [node('a'), node('a', 'http://10.0.0.12:8080')] }, /upstream\.nodes\[1\]\.name: "a" is used twice/],
  ['no nodes', { nodes: [] }, /upstream\.nodes: must be a list of at least one node/],
  ['a node without url', { nodes: [{ name: 'a' }] }, /upstream\.nodes\[0\]\.url: must be a URL/],
  ['a node url with a path', { nodes: [node('a', 'http://10.0.0.11:8080/app')] }, /upstream\.nodes\[0\]\.url: must be an origin/],
  ['a zero weight', { nodes: [{ ...node('a'), weight: 0 }] }, /upstream\.nodes\[0\]\.weight: must be a whole number from 1/],
  ['an unknown node key', { nodes: [{ ...node('a'), port: 1 }] }, /upstream\.nodes\[0\]\.port: is not a known setting/],
  ['an unknown upstream key', { nodes: [node('a')], balance: 'rr' }, /upstream\.balance: is not a known setting/],
  ['an unknown check key', { nodes: [node('a')], healthCheck: { every: '5s' } }, /upstream\.healthCheck\.every: is not a known setting/],
  ['a check path without /', { nodes: [node('a')], healthCheck: { path: 'health' } }, /upstream\.healthCheck\.path/],
  ['a zero fall', { nodes: [node('a')], healthCheck: { fall: 0 } }, /upstream\.healthCheck\.fall/],
  ['a bad cookie name', { nodes: [node('a')], affinity: { cookie: 'a b' } }, /upstream\.affinity\.cookie/],
  ['a zero connection bound', { nodes: [node('a')], maxConnectionsPerNode: 0 }, /upstream\.maxConnectionsPerNode/],
  ['an upstream that is neither', 12, /upstream: must be a mapping/],
  ['a bad single origin', 'ftp://x', /upstream: must be http/]
]

t.test('bad upstream settings stop start-up with an error naming the key', async (t) => {
  for (const [what, upstream, message] of refusals) {
    t.throws(() => parse(upstream), { code: 'GK_ERR_CONFIG', message }, what)
  }
})
