import t from 'tap'
import { startHarness } from './helpers/harness.js'

t.test('a known admin path called with the wrong method answers 405 with Allow', async (t) => {
  const h = await startHarness(t)
  const cases: Array<[string, string, string]> = [
    ['DELETE', '/v1/state', 'GET, HEAD'],
    ['POST', '/v1/state', 'GET, HEAD'],
    ['GET', '/v1/close', 'POST'],
    ['PUT', '/v1/allowlist', 'GET, HEAD, POST'],
    ['POST', '/v1/tokens/sandra', 'GET, HEAD, DELETE'],
    ['PATCH', '/v1/schedule', 'GET, HEAD, POST, DELETE'],
    ['DELETE', '/healthz', 'GET, HEAD']
  ]
  for (const [method, path, allow] of cases) {
    const res = await h.admin(method, path)
    t.equal(res.status, 405, `${method} ${path}`)
    t.equal(res.headers.get('allow'), allow, `${path} allows ${allow}`)
    t.match(await res.json(), { statusCode: 405, code: 'GK_ERR_METHOD_NOT_ALLOWED', error: 'Method Not Allowed', message: `${method} ${path}` })
  }
  t.match(await (await h.admin('GET', '/v1/state')).json(), { mode: 'open' }, 'nothing changed')
})

t.test('an unknown path is still a 404, and a token is still checked first', async (t) => {
  const h = await startHarness(t)
  const unknown = await h.admin('GET', '/v1/nothing-here')
  t.equal(unknown.status, 404)
  t.equal((await unknown.json() as { code: string }).code, 'GK_ERR_NOT_FOUND')
  t.equal((await fetch(h.gk.adminUrl + '/v1/state', { method: 'DELETE' })).status, 401, 'no method list for a caller without a token')
})
