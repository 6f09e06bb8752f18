import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, get, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'

t.test('with workers: 2, a changed listen refuses the reload, naming listen and restart; the workers keep serving', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, { workers: 2, initialMode: 'open', logLevel: 'info' })
  const gk = await startProcess(t, writeConfig(dir, raw), 30_000)
  writeConfig(dir, { ...raw, listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0, redirectToHttps: false }], allowlist: ['127.0.0.3/32'] })
  const res = await adminClient(gk.adminUrl)('POST', '/v1/reload')
  t.equal(res.status, 422)
  const body = await res.json() as { code: string, message: string, restartOnly: string[] }
  t.equal(body.code, 'GK_ERR_RELOAD_REFUSED')
  t.match(body.message, /listen/)
  t.match(body.message, /restart to apply/)
  t.same(body.restartOnly, ['listen'])
  t.equal((await get(gk.publicUrl + '/')).status, 200, 'the listener in service still serves')
})
