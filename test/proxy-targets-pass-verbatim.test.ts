import t from 'tap'
import { get, publicUrl, rawStatus, startHarness } from './helpers/harness.js'

t.test('the upstream sees the target as the client sent it, on the plain path and on the routed one; a dot-segment target is refused', async (t) => {
  const h = await startHarness(t)
  for (const target of ['/echo/plain?q=%2F&x=1', '/echo/a%20b?q=1', '/echo/%C3%A9t%C3%A9']) {
    const answer = await get(publicUrl(h, target), { from: '127.0.0.3' })
    t.equal(answer.status, 200, `${target} passes`)
    t.equal((JSON.parse(answer.body) as { url: string }).url, target, `${target} arrives verbatim`)
  }
  const upload = await get(publicUrl(h, '/echo/up%2Dload'), { from: '127.0.0.3', method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000) })
  t.equal((JSON.parse(upload.body) as { bodyBytes: number }).bodyBytes, 5000, 'a body goes along on the routed path too')
  t.equal(await rawStatus(h.gk.publicUrl, '/echo/../admin'), 400, 'a dot segment is refused')
  t.equal(await rawStatus(h.gk.publicUrl, '/echo/%2e%2e/admin'), 400, 'an encoded dot segment is refused')
})
