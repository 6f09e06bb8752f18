import t from 'tap'
import { rawStatus, startHarness } from './helpers/harness.js'

t.test('always-allowed paths pass a closed gate, and no spelling of another path rides on them', async (t) => {
  const h = await startHarness(t, { alwaysAllow: { paths: ['/echo/health', '/echo/assets/*'] } })
  await h.admin('POST', '/v1/close')
  const url = h.gk.publicUrl
  t.equal(await rawStatus(url, '/echo/health'), 200, 'the health check passes')
  t.equal(await rawStatus(url, '/echo/health?probe=1'), 200, 'with a query')
  t.equal(await rawStatus(url, '/echo/assets/app.css'), 200, 'an asset passes')
  t.equal(await rawStatus(url, '/echo/admin'), 503, 'another path is held')
  for (const attempt of [
    '/echo/health/../admin', '/echo/health%2F..%2Fadmin', '/echo/assets/..%2fadmin', '/echo/assets/../admin',
    '//echo/health', '/echo//health', '/echo/assets/%2e%2e/admin', '/echo/health;/../admin', '/echo/assets/..;/admin',
    '/echo/health;jsessionid=1', '/ECHO/HEALTH', '/echo/assets/%2e%2E/%2e%2e/admin', '/echo/assets\\..\\admin'
  ]) {
    t.equal(await rawStatus(url, attempt), 503, `${attempt} is held`)
  }
})
