import t from 'tap'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'

interface Named { url: string, hits: string[] }

/** An upstream that answers with its own name and remembers every path it was asked for. */
async function named (t: { teardown: (fn: () => unknown) => void }, name: string): Promise<Named> {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '')
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(`${name} ${req.url ?? ''}`)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }
}

t.test('each host and path reaches its own site\'s upstream; a request for no site gets Gatekeeper\'s 404', async (t) => {
  const portal = await named(t, 'portal')
  const api = await named(t, 'api')
  const other = await named(t, 'other')
  const raw = rawConfig(tempDir(t), '')
  delete raw.upstream
  raw.sites = [
    { name: 'portal', hosts: ['portal.example.edu'], upstream: portal.url },
    { name: 'api', hosts: ['portal.example.edu'], paths: ['/api/*'], upstream: api.url },
    { name: 'other', hosts: ['*.other.test'], upstream: other.url }
  ]
  const text: string[] = []
  const logger = pino({ level: 'info' }, new Writable({ write (chunk: Buffer, _encoding, done) { text.push(chunk.toString()); done() } }))
  const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger })
  t.teardown(() => gk.close())
  const ask = async (host: string, path: string): Promise<{ status: number, body: string, type: string }> => {
    const answer = await get(gk.publicUrl + path, { headers: { host } })
    return { status: answer.status, body: answer.body, type: String(answer.headers['content-type']) }
  }

  t.same(await ask('portal.example.edu', '/home'), { status: 200, body: 'portal /home', type: 'text/plain' })
  t.same(await ask('PORTAL.example.edu:8080', '/api/users'), { status: 200, body: 'api /api/users', type: 'text/plain' })
  t.same(await ask('portal.example.edu', '/apiary'), { status: 200, body: 'portal /apiary', type: 'text/plain' })
  t.same(await ask('a.other.test', '/x'), { status: 200, body: 'other /x', type: 'text/plain' })

  const seen = [portal.hits.length, api.hits.length, other.hits.length]
  for (const [host, path] of [['elsewhere.test', '/'], ['a.b.other.test', '/'], ['other.test', '/'], ['', '/home']]) {
    const answer = await ask(host as string, path as string)
    t.equal(answer.status, 404, `${host} is no site`)
    t.match(answer.type, /application\/json/)
    t.match(JSON.parse(answer.body), { statusCode: 404, code: 'GK_ERR_NOT_FOUND' })
  }
  // Gatekeeper's own paths for no site are no site's either
  t.equal((await ask('elsewhere.test', '/__gatekeeper/status')).status, 404)
  t.same([portal.hits.length, api.hits.length, other.hits.length], seen, 'a request for no site reaches no upstream')
  const access = text.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { msg: string, target?: string, site?: string }).filter((l) => l.msg === 'access')
  t.match(access.slice(0, 4).map((l) => l.site), ['portal', 'api', 'portal', 'other'], 'the access log names each request\'s site')
})
