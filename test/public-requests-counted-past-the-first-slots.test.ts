import { request } from 'node:http'
import pino from 'pino'
import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { until } from './helpers/cluster.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { heldUpstream } from './helpers/sites-cluster.js'

/** A public GET on a connection of its own; resolves with its status, or with how the connection broke. */
function publicGet (url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(url + '/held', { agent: false, localAddress: '127.0.0.7' }, (res) => {
      res.resume()
      res.on('end', () => { resolve(String(res.statusCode)) })
      res.on('error', () => { resolve('broken') })
    })
    req.on('error', () => { resolve('broken') })
    req.end()
  })
}

t.test('150 public requests in flight are each counted, drained and cut, and the count comes back to 0', async (t) => {
  const app = await heldUpstream(t)
  const dir = tempDir(t)
  const gk = await startGatekeeper(parseConfig(rawConfig(dir, app.url, { publicRequestCutoffMs: 300 }), TEST_ENV), { logger: pino({ level: 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  const inFlight = async (): Promise<number> => {
    const body = await (await admin('GET', '/v1/instances')).json() as { instances: Array<{ inFlight: number }> }
    return body.instances.reduce((sum, instance) => sum + instance.inFlight, 0)
  }

  const first = Array.from({ length: 150 }, () => publicGet(gk.publicUrl))
  await app.arrivals(150)
  await until('every request in flight is counted', async () => await inFlight() === 150)

  // closed: none of them is admitted any more, and each is cut once the cut-off has passed
  t.equal((await admin('POST', '/v1/close', { reason: 'upgrade' })).status, 200)
  const outcomes = await Promise.all(first)
  t.same(new Set(outcomes), new Set(['broken']), 'all 150 were cut')
  await until('the count is back to 0', async () => await inFlight() === 0)

  // open again: the slots the cut requests left are taken by new ones, and given back when they finish
  t.equal((await admin('POST', '/v1/open', {})).status, 200)
  const second = Array.from({ length: 20 }, () => publicGet(gk.publicUrl))
  await app.arrivals(170)
  await until('the new requests are counted', async () => await inFlight() === 20)
  app.release()
  t.same(new Set(await Promise.all(second)), new Set(['200']), 'they are answered')
  await until('and leave the count at 0', async () => await inFlight() === 0)
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.7' })).status, 200, 'the gate still passes the public')
})
