import t from 'tap'
import { startReopenHarness } from './helpers/reopen-harness.js'

interface ErrorAnswer { statusCode: number, code: string, error: string, message: string }

/**
 * Every change call: an unknown field is refused (not stripped) with a 400
 * naming it, a wrong type with a 400 naming the field, and the state stays at
 * its version. `[method, path, unknown-field call, wrong-type call, field named]`.
 */
const CHANGES: Array<[string, string, { body?: unknown, query?: string }, { body?: unknown, query?: string }, RegExp]> = [
  ['POST', '/v1/close', { body: { reason: 'x', foo: 1 } }, { body: { reason: 5 } }, /body\.reason: must be a string/],
  ['POST', '/v1/read-only', { body: { foo: 1 } }, { body: { until: 5 } }, /body\.until: must be a string/],
  ['POST', '/v1/stage', { body: { percent: 5, foo: 1 } }, { body: { percent: '25' } }, /body\.percent: must be a number/],
  ['POST', '/v1/open', { body: { foo: 1 } }, { body: [1, 2] }, /body: must be a JSON object/],
  ['POST', '/v1/allowlist', { body: { cidr: '10.0.0.0/8', foo: 1 } }, { body: { cidr: 7 } }, /body\.cidr: must be a string/],
  ['DELETE', '/v1/allowlist/10.0.0.0/8', { query: 'foo=1' }, { query: 'wait=forever' }, /query\.wait: must be one of applied, drained/],
  ['POST', '/v1/tokens', { body: { name: 'sam', ttl: '1h', foo: 1 } }, { body: { name: 5, ttl: '1h' } }, /body\.name: must be a string/],
  ['DELETE', '/v1/tokens/sam', { query: 'foo=1' }, { query: 'timeout=soon' }, /query\.timeout: must be/],
  ['POST', '/v1/ramp', { body: { steps: [{ percent: 5, hold: 60 }], foo: 1 } }, { body: { steps: 'fast' } }, /body\.steps: must be a list/],
  ['POST', '/v1/ramp/pause', { body: { foo: 1 } }, { body: { reason: 5 } }, /body\.reason: must be a string/],
  ['POST', '/v1/ramp/resume', { body: { foo: 1 } }, { body: 'null-is-not-an-object' }, /body/],
  ['POST', '/v1/ramp/promote', { body: { foo: 1 } }, { body: { full: 'yes' } }, /body\.full: must be true or false/],
  ['POST', '/v1/ramp/abort', { body: { foo: 1 } }, { body: { reason: [] } }, /body\.reason: must be a string/],
  ['POST', '/v1/schedule', { body: { closeAt: '2099-01-01T00:00:00Z', foo: 1 } }, { body: { closeAt: 5 } }, /body\.closeAt: must be a string/],
  ['POST', '/v1/schedule/extend', { body: { by: '1h', foo: 1 } }, { body: { by: true } }, /body\.by: must be/],
  ['DELETE', '/v1/schedule', { query: 'foo=1' }, { query: 'wait=1' }, /query\.wait: must be one of/]
]

t.test('every change call refuses an unknown field and a wrong type, naming it, and changes nothing', async (t) => {
  const h = await startReopenHarness(t, {}, {})
  t.equal((await h.admin('POST', '/v1/close', { reason: 'before' })).status, 200)
  const version = h.state().version
  const before = h.stateBytes()
  const call = async (method: string, path: string, input: { body?: unknown, query?: string }): Promise<[number, ErrorAnswer]> => {
    const body = typeof input.body === 'string' ? JSON.stringify(input.body) : input.body
    const res = await h.admin(method, path + (input.query === undefined ? '' : `?${input.query}`), body)
    return [res.status, await res.json() as ErrorAnswer]
  }
  for (const [method, path, unknown, wrong, named] of CHANGES) {
    const [status, answer] = await call(method, path, unknown)
    t.equal(status, 400, `${method} ${path}: an unknown field is a 400`)
    t.match(answer, { statusCode: 400, code: 'GK_ERR_UNKNOWN_FIELD', error: 'Bad Request', message: /(body|query) has an unknown field "foo"/ }, `${method} ${path}: names the field`)
    const [wrongStatus, wrongAnswer] = await call(method, path, wrong)
    t.equal(wrongStatus, 400, `${method} ${path}: a wrong type is a 400`)
    t.match(wrongAnswer, { statusCode: 400, code: 'GK_ERR_BAD_FIELD', message: named }, `${method} ${path}: ${String(named)}`)
    t.equal(h.state().version, version, `${method} ${path}: the state is at the same version`)
  }
  t.ok(h.stateBytes().equals(before), 'the state file is byte for byte the same')
})

t.test('a read refuses an unknown query parameter too', async (t) => {
  const h = await startReopenHarness(t)
  const res = await h.admin('GET', '/v1/audit?limt=5')
  t.equal(res.status, 400)
  t.match(await res.json(), { code: 'GK_ERR_UNKNOWN_FIELD', message: /query has an unknown field "limt"/ })
})
