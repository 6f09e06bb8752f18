import t from 'tap'
import { get } from './helpers/harness.js'
import { startFromFile } from './helpers/reload.js'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'

t.test('a reload\'s global allowlist reaches the gate of every site, each keeping its own entries', async (t) => {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const sites = [
    { name: 'app1', hosts: ['app1.test'], upstream: upstream.url },
    { name: 'app2', hosts: ['app2.test'], upstream: upstream.url, allowlist: ['127.0.0.4'] }
  ]
  const h = await startFromFile(t, { upstream: undefined, sites })
  for (const site of ['app1', 'app2']) t.equal((await h.admin('POST', `/v1/sites/${site}/close`, { reason: 'window' })).status, 200)
  const status = async (site: string, from: string): Promise<number> => (await get(h.gk.publicUrl + '/', { from, headers: { host: `${site}.test` } })).status
  t.same([await status('app1', '127.0.0.3'), await status('app2', '127.0.0.3'), await status('app2', '127.0.0.4')], [503, 503, 200])

  h.rewrite({ upstream: undefined, sites, allowlist: ['127.0.0.3'] })
  const reloaded = await h.admin('POST', '/v1/reload')
  t.equal(reloaded.status, 200, await reloaded.text())
  t.same([await status('app1', '127.0.0.3'), await status('app2', '127.0.0.3'), await status('app2', '127.0.0.4'), await status('app1', '127.0.0.4')], [200, 200, 200, 503],
    'the new global entry passes both gates; app2 keeps its own entry, which app1 never had')
})
