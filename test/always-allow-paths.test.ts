import { connect } from 'node:net'
import t from 'tap'
import { startHarness } from './helpers/harness.js'

function rawGet (url: string, target: string): Promise<number> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n`)
    })
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)))
    socket.on('error', reject)
  })
}

t.test('always-allowed paths pass a closed gate, and no spelling of another path rides on them', async (t) => {
  const h = await startHarness(t, { alwaysAllow: { paths: ['/echo/health', '/echo/assets/*'] } })
  await h.admin('POST', '/v1/close')
  const url = h.gk.publicUrl
  t.equal(await rawGet(url, '/echo/health'), 200, 'the health check passes')
  t.equal(await rawGet(url, '/echo/health?probe=1'), 200, 'with a query')
  t.equal(await rawGet(url, '/echo/assets/app.css'), 200, 'an asset passes')
  t.equal(await rawGet(url, '/echo/admin'), 503, 'another path is held')
  for (const attempt of [
    '/echo/health/../admin', '/echo/health%2F..%2Fadmin', '/echo/assets/..%2fadmin', '/echo/assets/../admin',
    '//echo/health', '/echo//health', '/echo/assets/%2e%2e/admin', '/echo/health;/../admin', '/echo/assets/..;/admin',
    '/echo/health;jsessionid=1', '/ECHO/HEALTH', '/echo/assets/%2e%2E/%2e%2e/admin', '/echo/assets\\..\\admin'
  ]) {
    t.equal(await rawGet(url, attempt), 503, `${attempt} is held`)
  }
})
