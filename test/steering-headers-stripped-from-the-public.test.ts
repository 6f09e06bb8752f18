import t from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

interface Echo { method: string, url: string, headers: Record<string, string | undefined> }

/** Headers many frameworks and servers act on, which would steer the application past the gate's decision. */
const STEERING: Record<string, string> = {
  'x-http-method-override': 'DELETE',
  'x-method-override': 'DELETE',
  'x-http-method': 'DELETE',
  'x-original-url': '/admin/drop-tables',
  'x-rewrite-url': '/admin/drop-tables',
  forwarded: 'for=10.0.0.1;proto=https;host=admin.internal',
  'x-real-ip': '10.0.0.1',
  'x-forwarded-port': '8443',
  'x-forwarded-prefix': '/admin'
}

for (const path of GATE_PATHS) {
  t.test(`${path.name}: the public cannot steer the application past the gate`, async (t) => {
    const h = await startHarnessOn(t, path, { trustedProxies: ['127.0.0.1/32'], alwaysAllow: { paths: ['/echo/health'] } })
    const echoed = async (url: string, from: string, extra: Record<string, string> = {}): Promise<Echo> => {
      const res = await get(publicUrl(h, url), { from, headers: { ...STEERING, 'x-app-header': 'kept', ...extra } })
      t.equal(res.status, 200, `${url} from ${from} passes`)
      return JSON.parse(res.body) as Echo
    }

    const direct = await echoed('/echo', '127.0.1.2')
    for (const name of Object.keys(STEERING)) t.equal(direct.headers[name], undefined, `open, from a client: ${name} is dropped`)
    t.equal(direct.headers['x-app-header'], 'kept', 'the application\'s own headers pass')
    t.equal(direct.method, 'GET')

    const proxied = await echoed('/echo', '127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })
    for (const [name, value] of Object.entries(STEERING)) t.equal(proxied.headers[name], value, `from a trusted proxy: ${name} passes`)

    // closed: an always-allowed path must not carry a request for another one
    t.equal((await h.admin('POST', '/v1/close')).status, 200)
    const health = await echoed('/echo/health', '127.0.1.2')
    t.equal(health.headers['x-original-url'], undefined, 'closed: X-Original-URL does not ride on the health check')
    t.equal(health.headers['x-rewrite-url'], undefined, 'nor X-Rewrite-URL')

    // read-only: a GET that asks to be taken for another method is held, from anyone but a tester
    t.equal((await h.admin('POST', '/v1/read-only')).status, 200)
    for (const name of ['x-http-method-override', 'x-method-override', 'x-http-method']) {
      for (const method of ['DELETE', 'post', 'PUT', 'PATCH']) {
        const res = await get(publicUrl(h, '/echo'), { from: '127.0.1.2', headers: { [name]: method } })
        t.equal(res.status, 503, `read-only: GET with ${name}: ${method} is held`)
        const viaProxy = await get(publicUrl(h, '/echo'), { headers: { [name]: method, 'x-forwarded-for': '203.0.113.9' } })
        t.equal(viaProxy.status, 503, `read-only: held through a trusted proxy too (${name}: ${method})`)
      }
    }
    const safe = await get(publicUrl(h, '/echo'), { from: '127.0.1.2', headers: { 'x-http-method-override': 'GET' } })
    t.equal(safe.status, 200, 'an override to a safe method changes nothing and passes')
    t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.1.2' })).status, 200, 'a plain GET passes')
  })
}
