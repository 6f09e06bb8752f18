import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { TEST_ENV, rawConfig, tempDir } from './helpers/harness.js'

t.test('a client that hangs up in the middle of a streamed answer releases the upstream request', async (t) => {
  let upstreamClosed: (finished: boolean) => void = () => {}
  const closed = new Promise<boolean>((resolve) => { upstreamClosed = resolve })
  const upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    // a long answer, one line at a time: it would take 20 s to finish
    let lines = 0
    const timer = setInterval(() => {
      res.write(`line ${lines}\n`)
      if (++lines === 400) { clearInterval(timer); res.end() }
    }, 50)
    res.on('close', () => { clearInterval(timer); upstreamClosed(res.writableFinished) })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(resolve) }))
  const gk = await startGatekeeper(parseConfig(rawConfig(tempDir(t), `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`), TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())

  await new Promise<void>((resolve, reject) => {
    const req = request(`${gk.publicUrl}/stream`, (res) => {
      res.once('data', () => {
        req.destroy()
        resolve()
      })
    })
    req.on('error', (err) => { if (!req.destroyed) reject(err) })
    req.end()
  })
  t.equal(await closed, false, 'the upstream\'s answer was cut off, not left running to its end')
  t.equal(gk.runtime.inFlight, 0, 'and the request no longer counts as in flight')
})
