import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { TEST_ENV, adminClient, get, rawConfig, tempDir } from './helpers/harness.js'

t.test('the client gets every Set-Cookie of the upstream and the staged cookie, and none of the upstream\'s hop-by-hop headers', async (t) => {
  const upstream = createServer((_req, res) => {
    res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
    res.setHeader('connection', 'keep-alive, x-hop')
    res.setHeader('x-hop', 'between the upstream and the proxy')
    res.setHeader('keep-alive', 'timeout=1')
    res.setHeader('x-app', 'kept')
    res.end('hello')
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(resolve) }))
  const dir = tempDir(t)
  const config = parseConfig(rawConfig(dir, `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`), TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  await adminClient(gk.adminUrl)('POST', '/v1/stage', { percent: 100 })

  const answer = await get(`${gk.publicUrl}/page`, { from: '127.0.0.3' })
  t.equal(answer.status, 200)
  t.equal(answer.body, 'hello')
  const cookies = answer.headers['set-cookie'] ?? []
  t.ok(cookies.includes('a=1; Path=/') && cookies.includes('b=2; Path=/'), 'both of the upstream\'s cookies')
  t.ok(cookies.some((cookie) => cookie.startsWith(`${config.staged.cookieName}=`)), 'and the staged cookie')
  t.equal(answer.headers['x-app'], 'kept')
  t.notOk(answer.headers['x-hop'], 'a header the upstream\'s Connection names stays behind')
  t.not(answer.headers['keep-alive'], 'timeout=1', 'the upstream\'s keep-alive terms stay behind')
})
