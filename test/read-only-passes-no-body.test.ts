import t from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

interface Echo { method: string, bodyBytes: number }

for (const path of GATE_PATHS) {
  t.test(`${path.name}: read-only passes safe requests without a body, and holds a safe method that carries one`, async (t) => {
    const h = await startHarnessOn(t, path, { allowlist: [{ cidr: '127.0.0.2/32' }] })
    t.equal((await h.admin('POST', '/v1/read-only', { reason: 'Migrating' })).status, 200)
    const url = publicUrl(h, '/echo')

    for (const method of ['GET', 'OPTIONS', 'DELETE']) {
      // Node's client sends a GET's body without a length unless told one
      const held = await get(url, { from: '127.0.1.2', method, body: 'x=1', headers: { accept: 'application/json', 'content-length': '3' } })
      t.equal(held.status, 503, `${method} with a Content-Length body is held`)
      t.match(JSON.parse(held.body), { code: 'GK_MAINTENANCE', message: 'Migrating' }, 'with the maintenance response')
    }
    const chunked = await get(url, { from: '127.0.1.2', method: 'GET', body: 'x=1', headers: { 'transfer-encoding': 'chunked' } })
    t.equal(chunked.status, 503, 'a GET with a chunked body is held')

    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      t.equal((await get(url, { from: '127.0.1.2', method })).status, 200, `${method} without a body passes`)
    }
    const empty = await get(url, { from: '127.0.1.2', headers: { 'content-length': '0' } })
    t.equal(empty.status, 200, 'Content-Length: 0 is no body')
    t.equal((JSON.parse(empty.body) as Echo).bodyBytes, 0)

    const tester = await get(url, { from: '127.0.0.2', method: 'OPTIONS', body: 'x=1', headers: { 'content-length': '3' } })
    t.equal(tester.status, 200, 'a tester\'s request is not read-only\'s to judge')
    t.equal((JSON.parse(tester.body) as Echo).bodyBytes, 3, 'and its body reaches the application')
  })
}
