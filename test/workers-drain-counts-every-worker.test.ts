import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { adminClient, get, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'

t.test('with workers, close?wait=drained returns once the public request in flight on a worker has finished', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const gk = await startProcess(t, writeConfig(dir, rawConfig(dir, upstream.url, { workers: 2, logLevel: 'info' })))
  const admin = adminClient(gk.adminUrl)

  const order: string[] = []
  const slow = get(gk.publicUrl + '/slow?ms=1500', { from: '127.0.0.3' }).then((res) => { order.push('slow request done'); return res })
  const deadline = Date.now() + 5000
  let inFlight = 0
  while (inFlight === 0 && Date.now() < deadline) {
    const listed = await (await admin('GET', '/v1/instances')).json() as { instances: Array<{ inFlight: number }> }
    inFlight = listed.instances.reduce((sum, instance) => sum + instance.inFlight, 0)
    if (inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 25))
  }
  t.equal(inFlight, 1, 'the instance counts the request its worker is serving')

  const closed = await admin('POST', '/v1/close?wait=drained&timeout=10', { reason: 'Backup' })
  order.push('close returned')
  t.equal(closed.status, 200)
  t.equal((await slow).status, 200, 'the request admitted before the close completes')
  t.same(order, ['slow request done', 'close returned'])
})
