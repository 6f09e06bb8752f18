import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { get, publicUrl, TEST_ENV, VIEWER_TOKEN } from './helpers/harness.js'
import { startReopenHarness, waitUntil, type ReopenHarness } from './helpers/reopen-harness.js'
import { startReceiver } from './helpers/webhook-receiver.js'

const ENV = { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789' }

function value (text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  if (line === undefined) throw new Error(`no sample ${series}`)
  return Number(line.slice(series.length + 1))
}

async function scrape (h: ReopenHarness): Promise<string> {
  const res = await h.admin('GET', '/metrics', undefined, { authorization: `Bearer ${VIEWER_TOKEN}` })
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`)
  return await res.text()
}

/** A loopback port nobody listens on: a webhook sent there gets no answer. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('/metrics carries the process and Node.js defaults and what build is running', async (t) => {
  const h = await startReopenHarness(t)
  const text = await scrape(h)
  for (const family of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds',
    'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_active_handles_total']) {
    t.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family)
  }
  t.match(text, /^# TYPE gatekeeper_build_info gauge$/m)
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  t.equal(value(text, `gatekeeper_build_info{version="${pkg.version}",node="${process.version}"}`), 1)
})

t.test('the admitted share is a 0–1 ratio that follows the mode', async (t) => {
  const h = await startReopenHarness(t)
  t.equal(value(await scrape(h), 'gatekeeper_admitted_ratio'), 1, 'open admits everyone')
  t.equal((await h.admin('POST', '/v1/stage', { percent: 12.5 })).status, 200)
  const staged = await scrape(h)
  t.equal(value(staged, 'gatekeeper_admitted_ratio'), 0.125)
  t.equal(value(staged, 'gatekeeper_percent'), 12.5, 'the percent stays under its old name')
  t.equal((await h.admin('POST', '/v1/close')).status, 200)
  t.equal(value(await scrape(h), 'gatekeeper_admitted_ratio'), 0)
})

t.test('webhook attempts have their own counter, by outcome, beside the deliveries', async (t) => {
  const ok = await startReceiver(t)
  const failing = await startReceiver(t, { status: 500 })
  const nobody = `http://127.0.0.1:${await closedPort()}/hook`
  const h = await startReopenHarness(t, {
    webhooks: {
      retries: 1,
      backoffMs: 1,
      timeoutMs: 10_000,
      endpoints: [ok.url, failing.url, nobody].map((url) => ({ url, secretEnv: 'GK_TEST_WEBHOOK_SECRET' }))
    }
  }, { env: ENV })
  t.equal((await h.admin('POST', '/v1/close')).status, 200)
  await waitUntil(() => h.gk.reopen.notifier.stats().failed === 2 && h.gk.reopen.notifier.stats().delivered === 1, 'every delivery to end', 20_000)

  const text = await scrape(h)
  t.match(text, /^# TYPE gatekeeper_webhook_attempts_total counter$/m)
  t.equal(value(text, 'gatekeeper_webhook_attempts_total{outcome="ok"}'), 1)
  t.equal(value(text, 'gatekeeper_webhook_attempts_total{outcome="rejected"}'), 2, 'the 500 and its retry')
  t.equal(value(text, 'gatekeeper_webhook_attempts_total{outcome="unanswered"}'), 2, 'the refused connection and its retry')
  t.equal(value(text, 'gatekeeper_webhook_deliveries_total{outcome="delivered"}'), 1)
  t.equal(value(text, 'gatekeeper_webhook_deliveries_total{outcome="failed"}'), 2)
  t.equal(value(text, 'gatekeeper_webhook_deliveries_total{outcome="retried"}'), 2)
})

t.test('two gatekeepers in one process keep their own metrics', async (t) => {
  const a = await startReopenHarness(t)
  const b = await startReopenHarness(t)
  for (let i = 0; i < 3; i++) t.equal((await get(publicUrl(a, '/echo'))).status, 200)
  t.equal((await get(publicUrl(b, '/echo'))).status, 200)
  const series = 'gatekeeper_requests_total{decision="pass",reason="open"}'
  t.equal(value(await scrape(a), series), 3)
  t.equal(value(await scrape(b), series), 1)
  t.equal(value(await scrape(a), series), 3, 'a scrape does not add to the counts')
})
