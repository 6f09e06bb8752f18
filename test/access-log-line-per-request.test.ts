import { Writable } from 'node:stream'
import pino from 'pino'
import t from 'tap'
import { get } from './helpers/harness.js'
import { startFromFile } from './helpers/reload.js'
import { until } from './helpers/cluster.js'
import { connectWebSocket } from './helpers/websocket-client.js'

interface Line { msg: string, method?: string, target?: string, status?: number, bytes?: number, durationMs?: number, client?: string, reason?: string | null, node?: string | null }

function capture (): { logger: pino.Logger, lines: () => Line[] } {
  const text: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { text.push(chunk.toString()); done() } })
  const logger = pino({ level: 'info' }, stream)
  return { logger, lines: () => text.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line) }
}

const accessLines = (lines: Line[]): Line[] => lines.filter((line) => line.msg === 'access')

t.test('one access line per public request, with the gate\'s reason and the upstream node', async (t) => {
  const log = capture()
  const h = await startFromFile(t, { initialMode: 'closed', allowlist: ['127.0.0.2/32'] }, log.logger)
  // a single `upstream: URL` is the one node named default
  const node = 'default'

  t.equal((await get(h.gk.publicUrl + '/echo?a=1', { from: '127.0.0.2' })).status, 200)
  t.equal((await get(h.gk.publicUrl + '/', { from: '127.0.0.3', method: 'HEAD' })).status, 503)
  await until('two access lines', () => accessLines(log.lines()).length >= 2)
  const [passed, held] = accessLines(log.lines())
  t.match(passed, { method: 'GET', target: '/echo?a=1', status: 200, client: '127.0.0.2', reason: 'allowlist', node })
  t.ok((passed?.bytes ?? 0) > 0, 'counts the bytes sent')
  t.type(passed?.durationMs, 'number')
  t.match(held, { method: 'HEAD', target: '/', status: 503, client: '127.0.0.3', reason: 'closed', node: null })

  const upgrade = await connectWebSocket(h.gk.publicUrl.replace('http', 'ws') + '/ws', '127.0.0.3')
  t.match(upgrade, { status: 503 }, 'an upgrade the gate holds')
  await until('the upgrade\'s line', () => accessLines(log.lines()).length >= 3)
  t.match(accessLines(log.lines())[2], { method: 'GET', target: '/ws', status: 503, reason: 'closed' })
})

t.test('accessLog: false writes none, and a reload turns it on and off', async (t) => {
  const log = capture()
  const h = await startFromFile(t, { initialMode: 'open', accessLog: false }, log.logger)
  t.equal((await get(h.gk.publicUrl + '/')).status, 200)
  h.rewrite({ accessLog: true })
  t.same(await (await h.admin('POST', '/v1/reload')).json(), { version: 2, changed: ['accessLog'] })
  t.equal((await get(h.gk.publicUrl + '/second')).status, 200)
  await until('the line of the request after the reload', () => accessLines(log.lines()).length >= 1)
  h.rewrite({ accessLog: false })
  t.equal((await h.admin('POST', '/v1/reload')).status, 200)
  t.equal((await get(h.gk.publicUrl + '/third')).status, 200)
  // the reload's own log line comes after the request's close: wait for a later line, then count
  t.equal((await h.admin('POST', '/v1/reload')).status, 200)
  await until('the last reload is logged', () => log.lines().filter((line) => line.msg === 'configuration reloaded').length >= 3)
  t.same(accessLines(log.lines()).map((line) => line.target), ['/second'], 'only the request made while it was on')
})

t.test('a reloaded log level above info silences it', async (t) => {
  const log = capture()
  const h = await startFromFile(t, { initialMode: 'open', logLevel: 'info' }, log.logger)
  h.rewrite({ logLevel: 'warn' })
  t.equal((await h.admin('POST', '/v1/reload')).status, 200)
  t.equal((await get(h.gk.publicUrl + '/')).status, 200)
  h.rewrite({ logLevel: 'info' })
  t.equal((await h.admin('POST', '/v1/reload')).status, 200)
  t.equal((await get(h.gk.publicUrl + '/after')).status, 200)
  await until('the line at info again', () => accessLines(log.lines()).length >= 1)
  t.same(accessLines(log.lines()).map((line) => line.target), ['/after'])
})
