import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { TEST_ENV, get, rawConfig, tempDir } from './helpers/harness.js'

t.test('the upstream\'s own 503 is passed to the client as it is, asked once', async (t) => {
  let asked = 0
  const upstream = createServer((_req, res) => {
    asked++
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' })
    res.end('the application is busy')
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(resolve) }))
  const gk = await startGatekeeper(parseConfig(rawConfig(tempDir(t), `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`), TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())

  const answer = await get(`${gk.publicUrl}/busy`)
  t.equal(answer.status, 503)
  t.equal(answer.body, 'the application is busy', 'the application\'s answer, not the maintenance page')
  t.equal(asked, 1, 'no retries behind the client\'s back')
})
