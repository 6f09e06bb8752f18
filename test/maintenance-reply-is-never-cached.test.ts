import t from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

for (const path of GATE_PATHS) {
  t.test(`${path.name}: every form of the maintenance response says Cache-Control: no-store`, async (t) => {
    const h = await startHarnessOn(t, path)
    t.equal((await h.admin('POST', '/v1/close')).status, 200)
    const forms: Array<[string, { method?: string, headers?: Record<string, string> }]> = [
      ['HTML', { headers: { accept: 'text/html' } }],
      ['JSON', { headers: { accept: 'application/json' } }],
      ['HEAD', { method: 'HEAD' }],
      ['JSON to HEAD', { method: 'HEAD', headers: { accept: 'application/json' } }]
    ]
    for (const [form, options] of forms) {
      const res = await get(publicUrl(h, '/api/items'), { from: '127.0.1.2', ...options })
      t.equal(res.status, 503, `${form}: held`)
      t.equal(res.headers['cache-control'], 'no-store', `${form}: no cache keeps a maintenance answer once the site reopens`)
    }
  })
}
