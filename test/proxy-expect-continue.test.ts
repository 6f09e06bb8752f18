import { request } from 'node:http'
import t from 'tap'
import { publicUrl, startHarness } from './helpers/harness.js'

t.test('an upload that asks Expect: 100-continue is told to go on and reaches the upstream whole', async (t) => {
  const h = await startHarness(t)
  const body = Buffer.alloc(300_000, 121)
  let toldToContinue = false
  const answer = await new Promise<{ status: number, text: string }>((resolve, reject) => {
    const req = request(publicUrl(h, '/echo/upload'), { method: 'PUT', headers: { expect: '100-continue', 'content-length': String(body.length) } }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => { text += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('continue', () => {
      toldToContinue = true
      req.end(body)
    })
    req.on('error', reject)
  })
  t.ok(toldToContinue, '100 Continue came')
  t.equal(answer.status, 200)
  const seen = JSON.parse(answer.text) as { bodyBytes: number, headers: Record<string, string> }
  t.equal(seen.bodyBytes, body.length, 'every byte arrived')
  t.notOk(seen.headers.expect, 'the expectation was met here, not passed on')
})
