import t from 'tap'
import { get, publicUrl, startHarness } from './helpers/harness.js'
import { waitUntil } from './helpers/reopen-harness.js'

t.test('close?wait=drained returns after the slow public request in flight has finished', async (t) => {
  const h = await startHarness(t)
  const order: string[] = []
  const slow = get(publicUrl(h, '/slow?ms=700'), { from: '127.0.0.3' }).then((res) => { order.push('slow request done'); return res })
  await waitUntil(() => h.gk.runtime.inFlight === 1, 'the slow request to be in flight')
  t.equal(h.gk.runtime.inFlight, 1, 'one public request in flight')
  const closed = await h.admin('POST', '/v1/close?wait=drained&timeout=10', { reason: 'Backup' })
  order.push('close returned')
  t.equal(closed.status, 200)
  const body = await closed.json() as { confirmation: { wait: string } }
  t.equal(body.confirmation.wait, 'drained')
  t.equal((await slow).status, 200, 'the request admitted before the close completes')
  t.same(order, ['slow request done', 'close returned'])
  t.equal(h.gk.runtime.inFlight, 0)
})

t.test('wait=drained times out with 504 naming what is still open, and the change stays made', async (t) => {
  const h = await startHarness(t)
  const slow = get(publicUrl(h, '/slow?ms=2500'), { from: '127.0.0.3' })
  await waitUntil(() => h.gk.runtime.inFlight === 1, 'the slow request to be in flight')
  const closed = await h.admin('POST', '/v1/close?wait=drained&timeout=1')
  t.equal(closed.status, 504)
  t.match((await closed.json() as { message: string }).message, /1 public requests/)
  t.equal((await (await h.admin('GET', '/v1/state')).json() as { mode: string }).mode, 'closed')
  await slow
})

t.test('a graceful shutdown lets in-flight requests finish', async (t) => {
  const h = await startHarness(t)
  const slow = get(publicUrl(h, '/slow?ms=500'), { from: '127.0.0.3' })
  await waitUntil(() => h.gk.runtime.inFlight === 1, 'the slow request to be in flight')
  await h.gk.close()
  t.equal((await slow).status, 200, 'the request admitted before shutdown completed')
})
