import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { TEST_ENV, rawConfig, tempDir } from './helpers/harness.js'

const MB = 1024 * 1024

t.test('a 200 MB upload streams through: the upstream has the first bytes before the client has sent the rest', async (t) => {
  let firstChunkSeen: () => void = () => {}
  const firstChunk = new Promise<void>((resolve) => { firstChunkSeen = resolve })
  const upstream = createServer((req, res) => {
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      if (bytes === 0) firstChunkSeen()
      bytes += chunk.length
    })
    req.on('end', () => { res.end(JSON.stringify({ bytes })) })
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(resolve) }))
  const dir = tempDir(t)
  const gk = await startGatekeeper(parseConfig(rawConfig(dir, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`), TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())

  const total = 200 * MB
  const chunk = Buffer.alloc(MB, 120)
  const answer = new Promise<string>((resolve, reject) => {
    const req = request(gk.publicUrl + '/upload', { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    // one megabyte, then wait until the upstream has seen it: a buffering proxy would never forward it
    req.write(chunk)
    firstChunk.then(async () => {
      for (let sent = MB; sent < total; sent += MB) {
        if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve))
      }
      req.end()
    }, reject)
  })
  t.same(JSON.parse(await answer), { bytes: total }, 'every byte arrived')
})

t.test('a large download streams back', async (t) => {
  const dir = tempDir(t)
  const { startSampleUpstream } = await import('../src/sample/sample-upstream.js')
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const gk = await startGatekeeper(parseConfig(rawConfig(dir, upstream.url), TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const res = await fetch(`${gk.publicUrl}/download?bytes=${50 * MB}`)
  let bytes = 0
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) bytes += part.length
  t.equal(bytes, 50 * MB)
})
