import t from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

// A staged client's first request sets its sticky cookie; if the upstream
// fails that request, the 502 must still carry the cookie, or the client is
// bucketed afresh next time. One code path answers it whatever the log level.
for (const path of GATE_PATHS) {
  t.test(`${path.name}: a staged client's first request keeps its sticky cookie when the upstream fails`, async (t) => {
    const h = await startHarnessOn(t, path)
    t.equal((await h.admin('POST', '/v1/stage', { percent: 100 })).status, 200)
    await h.upstream.close()
    const html = await get(publicUrl(h, '/'), { from: '127.0.1.7', headers: { accept: 'text/html' } })
    t.equal(html.status, 502, 'the upstream failed: 502')
    t.match(html.body, /not answering/)
    t.match(String(html.headers['set-cookie']), /^gk_id=/, 'the sticky cookie comes with the 502')
    const json = await get(publicUrl(h, '/'), { from: '127.0.1.8', headers: { accept: 'application/json' } })
    t.equal(json.status, 502)
    t.equal((JSON.parse(json.body) as { code: string }).code, 'GK_UPSTREAM_UNAVAILABLE')
    t.match(String(json.headers['set-cookie']), /^gk_id=/, 'and with the JSON one')
  })
}
