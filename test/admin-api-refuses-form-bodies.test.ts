import t from 'tap'
import { OPERATOR_TOKEN, get, startHarness } from './helpers/harness.js'

// What a cross-site <form> can send without a CORS preflight: it can set none
// of these calls' Authorization header, and even with one its body is refused.
const FORM_BODIES: Array<[string, string]> = [
  ['text/plain', '{"reason":"x"}'],
  ['text/plain; charset=utf-8', ''],
  ['application/x-www-form-urlencoded', 'reason=x'],
  ['multipart/form-data; boundary=gk', '--gk\r\nContent-Disposition: form-data; name="reason"\r\n\r\nx\r\n--gk--\r\n']
]

t.test('a change posted with a form content type is refused and changes nothing', async (t) => {
  const h = await startHarness(t)
  const before = await (await h.admin('GET', '/v1/state')).json() as { version: number }

  for (const [type, body] of FORM_BODIES) {
    const withoutToken = await get(h.gk.adminUrl + '/v1/close', { method: 'POST', headers: { 'content-type': type }, body })
    t.equal(withoutToken.status, 401, `${type} without a token: 401`)
    const withToken = await get(h.gk.adminUrl + '/v1/close', { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${OPERATOR_TOKEN}` }, body })
    t.equal(withToken.status, 415, `${type} even with a token: 415`)
    t.match(JSON.parse(withToken.body), { statusCode: 415, code: 'GK_ERR_UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type', message: /JSON bodies only .*got "/ })
  }
  const untyped = await get(h.gk.adminUrl + '/v1/close', { method: 'POST', headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-length': '14' }, body: '{"reason":"x"}' })
  t.equal(untyped.status, 415, 'a body without a content type is refused too')
  t.match(JSON.parse(untyped.body), { message: /without a Content-Type/ })

  const after = await (await h.admin('GET', '/v1/state')).json() as { version: number, mode: string }
  t.equal(after.version, before.version, 'the state did not move')
  t.equal(after.mode, 'open')

  const json = await h.admin('POST', '/v1/close', { reason: 'json works' })
  t.equal(json.status, 200, 'a JSON body is accepted')
  const empty = await h.admin('POST', '/v1/open')
  t.equal(empty.status, 200, 'a change without a body needs no content type')
})
