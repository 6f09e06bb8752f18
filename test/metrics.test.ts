import t from 'tap'
import { get, publicUrl, VIEWER_TOKEN } from './helpers/harness.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

/**
 * Every sample line of the text format: name, optional labels, a value.
 * prom-client writes NaN as "Nan" (an event-loop lag with no sample yet); Prometheus reads either.
 */
const SAMPLE = /^[a-z_:][a-z0-9_:]*(\{[a-z_][a-z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(,[a-z_][a-z0-9_]*="(?:[^"\\\n]|\\["\\n])*")*\})? (-?[0-9.e+-]+|[+-]Inf|NaN|Nan)$/

function value (text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  if (line === undefined) throw new Error(`no sample ${series}`)
  return Number(line.slice(series.length + 1))
}

t.test('/metrics speaks the Prometheus text format and counts what the gate did', async (t) => {
  const h = await startReopenHarness(t, { allowlist: [{ cidr: '127.0.0.2/32' }] })
  const scrape = async (): Promise<string> => {
    const res = await h.admin('GET', '/metrics', undefined, { authorization: `Bearer ${VIEWER_TOKEN}` })
    t.equal(res.status, 200, 'a viewer token reads the metrics')
    t.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
    return await res.text()
  }
  t.equal((await fetch(h.gk.adminUrl + '/metrics')).status, 401, 'not without a token')

  for (let i = 0; i < 3; i++) t.equal((await get(publicUrl(h, '/echo'))).status, 200)
  t.equal((await get(publicUrl(h, '/status/404'))).status, 404)
  t.equal((await get(publicUrl(h, '/status/503'))).status, 503)
  await h.admin('POST', '/v1/close')
  for (let i = 0; i < 2; i++) t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.3' })).status, 503)
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.2' })).status, 200)

  const text = await scrape()
  for (const line of text.trimEnd().split('\n')) {
    // prom-client leaves a blank line between families, which the format allows
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    t.match(line, SAMPLE, 'a well-formed sample')
  }
  t.equal(value(text, 'gatekeeper_requests_total{decision="pass",reason="open"}'), 5)
  t.equal(value(text, 'gatekeeper_requests_total{decision="hold",reason="closed"}'), 2)
  t.equal(value(text, 'gatekeeper_requests_total{decision="pass",reason="allowlist"}'), 1)
  t.equal(value(text, 'gatekeeper_mode{mode="closed"}'), 1)
  t.equal(value(text, 'gatekeeper_mode{mode="open"}'), 0)
  t.equal(value(text, 'gatekeeper_percent'), 0)
  t.equal(value(text, 'gatekeeper_upstream_responses_total{class="2xx"}'), 4, 'held requests never reach the upstream')
  t.equal(value(text, 'gatekeeper_upstream_responses_total{class="4xx"}'), 1)
  t.equal(value(text, 'gatekeeper_upstream_responses_total{class="5xx"}'), 1, 'the upstream\'s own 503 is counted as its answer')
  t.equal(value(text, 'gatekeeper_upstream_latency_seconds_count'), 6)
  t.equal(value(text, 'gatekeeper_upstream_latency_seconds_bucket{le="+Inf"}'), 6)
  const buckets = text.split('\n').filter((l) => l.startsWith('gatekeeper_upstream_latency_seconds_bucket')).map((l) => Number(l.split(' ')[1]))
  t.same([...buckets].sort((a, b) => a - b), buckets, 'histogram buckets are cumulative')
  t.equal(value(text, 'gatekeeper_store_up{kind="file"}'), 1)
  t.match(text, /# TYPE gatekeeper_upstream_latency_seconds histogram\n/)

  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 5, hold: 60 }, { percent: 25, hold: 60 }, { percent: 100 }] })).status, 200)
  h.clock.advance(60_000)
  await h.waitForState((s) => s.percent === 25, 'the second step')
  const ramping = await scrape()
  t.equal(value(ramping, 'gatekeeper_ramp_running'), 1)
  t.equal(value(ramping, 'gatekeeper_ramp_step'), 2)
  t.equal(value(ramping, 'gatekeeper_ramp_steps'), 3)
  t.equal(value(ramping, 'gatekeeper_percent'), 25)
  t.equal(value(ramping, 'gatekeeper_ramp_next_step_timestamp_seconds'), (h.clock.now() + 60_000) / 1000)
})
