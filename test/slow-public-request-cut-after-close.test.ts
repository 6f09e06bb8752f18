import t from 'tap'
import { request as httpRequest } from 'node:http'
import { get, publicUrl, type Harness } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'
import { waitUntil } from './helpers/reopen-harness.js'

interface Upload {
  /** sends more of the body; `last` ends it */
  send (text: string, last?: boolean): void
  /** the answer's status and the bytes the application received, or how the connection broke */
  outcome: Promise<{ status?: number, bodyBytes?: number, error?: string }>
}

/** An upload that keeps its connection open, writing only when told: a slow client's POST. */
function startUpload (t: { teardown (fn: () => unknown): void }, h: Harness, from: string): Upload {
  const target = new URL(publicUrl(h, '/echo'))
  const req = httpRequest({
    host: target.hostname,
    port: target.port,
    path: '/echo',
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    agent: false,
    localAddress: from
  })
  const outcome = new Promise<{ status?: number, bodyBytes?: number, error?: string }>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        resolve({ status: res.statusCode ?? 0, bodyBytes: res.statusCode === 200 ? (JSON.parse(text) as { bodyBytes: number }).bodyBytes : -1 })
      })
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
  })
  t.teardown(() => { req.destroy() })
  req.write('0123456789')
  return {
    send (text, last = false) {
      if (last) req.end(text)
      else req.write(text)
    },
    outcome
  }
}

async function upstreamConnections (h: Harness): Promise<number> {
  return await new Promise((resolve, reject) => {
    h.upstream.server.getConnections((err, count) => { if (err !== null) reject(err); else resolve(count) })
  })
}

for (const path of GATE_PATHS) {
  t.test(`${path.name}: after a close, a slow public upload is cut after the cut-off and drained means drained; a tester's is never cut`, async (t) => {
    const h = await startHarnessOn(t, path, { publicRequestCutoffMs: 300, allowlist: [{ cidr: '127.0.0.2/32' }] })
    const publicUpload = startUpload(t, h, '127.0.1.2')
    const testerUpload = startUpload(t, h, '127.0.0.2')
    await waitUntil(() => h.gk.runtime.inFlight === 1, 'the public upload to be in flight')
    let connections = 0
    const deadline = Date.now() + 5000
    while ((connections = await upstreamConnections(h)) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    t.equal(connections, 2, 'both uploads reach the application')

    const closed = await h.admin('POST', '/v1/close?wait=drained&timeout=5', { reason: 'Database upgrade' })
    t.equal(closed.status, 200, 'close?wait=drained returns once the cut-off has passed')
    t.match(await closed.json(), { mode: 'closed', confirmation: { wait: 'drained' } })
    t.equal(h.gk.runtime.inFlight, 0, 'no public request is counted in flight')
    t.ok((await publicUpload.outcome).error !== undefined, 'the public upload\'s connection was cut')
    let left = -1
    const until = Date.now() + 5000
    while ((left = await upstreamConnections(h)) > 1 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10))
    t.equal(left, 1, 'its request to the application was aborted; the tester\'s goes on')

    testerUpload.send('abcdefghij')
    testerUpload.send('!', true)
    t.same(await testerUpload.outcome, { status: 200, bodyBytes: 21 }, 'the tester\'s upload, slower than the cut-off, completes whole')
  })

  t.test(`${path.name}: read-only cuts a slow public write after the cut-off, and lets a slow read finish`, async (t) => {
    const h = await startHarnessOn(t, path, { publicRequestCutoffMs: 300 })
    const upload = startUpload(t, h, '127.0.1.2')
    let readDone = false
    const read = get(publicUrl(h, '/slow?ms=4000'), { from: '127.0.1.3' }).finally(() => { readDone = true })
    await waitUntil(() => h.gk.runtime.inFlight === 2, 'the upload and the read to be in flight')
    t.equal((await h.admin('POST', '/v1/read-only?wait=applied')).status, 200)
    t.ok((await upload.outcome).error !== undefined, 'the write is cut')
    await waitUntil(() => h.gk.runtime.inFlight === 1, 'the write to leave the count')
    t.notOk(readDone, 'the read is still in flight')
    t.equal((await read).status, 200, 'and completes: read-only still admits it')
    await waitUntil(() => h.gk.runtime.inFlight === 0, 'nothing in flight')
  })

  t.test(`${path.name}: a close that is undone within the cut-off cuts nothing`, async (t) => {
    // a cut-off long enough for the two admin calls on a loaded machine
    const h = await startHarnessOn(t, path, { publicRequestCutoffMs: 3000 })
    const upload = startUpload(t, h, '127.0.1.2')
    await waitUntil(() => h.gk.runtime.inFlight === 1, 'the upload to be in flight')
    t.equal((await h.admin('POST', '/v1/close')).status, 200)
    t.equal((await h.admin('POST', '/v1/open')).status, 200)
    await new Promise((resolve) => setTimeout(resolve, 3500))
    upload.send('more', true)
    t.same(await upload.outcome, { status: 200, bodyBytes: 14 }, 'the upload completes once the site is open again')
  })
}
