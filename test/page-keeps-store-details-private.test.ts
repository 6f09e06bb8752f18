import tap, { type Test } from 'tap'
import { join } from 'node:path'
import { DEFAULT_REASON } from '../src/runtime/maintenance.js'
import { NOTHING_KNOWN, STORE_UNREACHABLE } from '../src/store/redis-store.js'
import { get, publicUrl, tempDir, type Harness } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'
import { startRedis } from './helpers/redis-server.js'
import { waitUntil } from './helpers/reopen-harness.js'

const STORE_WORDS = /state store|unreachable|redis|state was lost/i

/** What the public is told, as a page, as JSON and by the status endpoint. */
async function publicWords (t: Test, h: Harness): Promise<string[]> {
  const page = await get(publicUrl(h, '/'), { from: '127.0.1.2', headers: { accept: 'text/html' } })
  t.equal(page.status, 503, 'the public gets the maintenance page')
  const json = await get(publicUrl(h, '/api'), { from: '127.0.1.2', headers: { accept: 'application/json' } })
  t.equal(json.status, 503)
  const status = await get(publicUrl(h, '/__gatekeeper/status'), { from: '127.0.1.2' })
  return [page.body, (JSON.parse(json.body) as { message: string }).message, (JSON.parse(status.body) as { reason: string }).reason]
}

for (const path of GATE_PATHS) {
  tap.test(`${path.name}: the public is never told about the state store; /healthz is`, async (t) => {
    const redis = await startRedis(t)
    await redis.stop()
    const dir = tempDir(t)
    const h = await startHarnessOn(t, path, {
      store: { type: 'redis', url: redis.url, localCopyPath: join(dir, 'state.local.json'), commandTimeoutMs: 400, resyncIntervalMs: 100 }
    }, dir)
    t.equal(h.gk.runtime.current().state.reason, STORE_UNREACHABLE, 'booted without its store: closed, and the state says why')

    const [page, message, reason] = await publicWords(t, h)
    t.notMatch(page, STORE_WORDS, 'the page says nothing of the store')
    t.match(page, DEFAULT_REASON, 'it gives the neutral words')
    t.equal(message, DEFAULT_REASON, 'so does the JSON reply')
    t.equal(reason, DEFAULT_REASON, 'and the status endpoint the page polls')

    const health = await (await fetch(h.gk.adminUrl + '/healthz')).json() as { status: string, store: { ok: boolean, message: string } }
    t.match(health, { status: 'degraded', store: { ok: false } }, '/healthz tells the operator')
    t.match(health.store.message, /serving closed/)

    // Redis comes back empty: the instance stores a closed state saying what was lost, for the operator
    await redis.restart()
    await waitUntil(() => h.gk.runtime.current().state.reason === NOTHING_KNOWN, 'the state stored after the outage', 15000)
    for (const words of await publicWords(t, h)) t.notMatch(words, STORE_WORDS, 'after the outage, the public is still told nothing of it')
  })
}
