import t from 'tap'
import { startHarness } from './helpers/harness.js'

t.test('GET /v1/state with If-None-Match naming the current ETag answers 304 without a body', async (t) => {
  const h = await startHarness(t)
  const first = await h.admin('GET', '/v1/state')
  const etag = first.headers.get('etag') as string
  t.match(etag, /^"\d+"$/)

  const unchanged = await h.admin('GET', '/v1/state', undefined, { 'if-none-match': etag })
  t.equal(unchanged.status, 304)
  t.equal(unchanged.headers.get('etag'), etag, 'the 304 repeats the ETag')
  t.equal(await unchanged.text(), '', 'no body')

  t.equal((await h.admin('GET', '/v1/state', undefined, { 'if-none-match': `W/${etag}` })).status, 304, 'If-None-Match compares weakly')
  t.equal((await h.admin('GET', '/v1/state', undefined, { 'if-none-match': `"999999", ${etag}` })).status, 304, 'any tag of a list')
  t.equal((await h.admin('GET', '/v1/state', undefined, { 'if-none-match': '*' })).status, 304, '* matches the state, which always exists')

  await h.admin('POST', '/v1/close', { reason: 'upgrade' })
  const changed = await h.admin('GET', '/v1/state', undefined, { 'if-none-match': etag })
  t.equal(changed.status, 200, 'a changed state is sent in full')
  t.match(await changed.json(), { mode: 'closed' })
  t.not(changed.headers.get('etag'), etag)
})

t.test('If-Match: * on a change matches whatever version is current', async (t) => {
  const h = await startHarness(t)
  const res = await h.admin('POST', '/v1/close', { reason: 'upgrade' }, { 'if-match': '*' })
  t.equal(res.status, 200)
  t.match(await res.json(), { mode: 'closed' })
})

t.test('a weak tag in If-Match never matches (strong comparison): 412, and nothing changes', async (t) => {
  const h = await startHarness(t)
  const etag = (await h.admin('GET', '/v1/state')).headers.get('etag') as string
  const res = await h.admin('POST', '/v1/close', { reason: 'upgrade' }, { 'if-match': `W/${etag}` })
  t.equal(res.status, 412)
  const body = await res.json() as { code: string, message: string }
  t.equal(body.code, 'GK_ERR_WEAK_IF_MATCH')
  t.match(body.message, /strong/)
  t.match(body.message, etag, 'it says which tag to send instead')
  t.match(await (await h.admin('GET', '/v1/state')).json(), { mode: 'open' }, 'nothing changed')
  t.equal((await h.admin('GET', '/v1/state')).headers.get('etag'), etag)
})

t.test('a malformed If-Match is still a 400 that changes nothing', async (t) => {
  const h = await startHarness(t)
  for (const header of ['soon', '"abc"', 'W/', '**']) {
    const res = await h.admin('POST', '/v1/close', {}, { 'if-match': header })
    t.equal(res.status, 400, header)
    t.equal((await res.json() as { code: string }).code, 'GK_ERR_BAD_IF_MATCH')
  }
  t.match(await (await h.admin('GET', '/v1/state')).json(), { mode: 'open' })
})
