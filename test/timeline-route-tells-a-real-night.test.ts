import t from 'tap'
import { VIEWER_TOKEN, adminClient, get, publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { startReopenHarness } from './helpers/reopen-harness.js'
import type { Timeline } from '../src/timeline/phases.js'

t.test('a night over real sockets: close with an ETA, testers by token and allowlist, a ramp aborted by 500s, close again, open', async (t) => {
  const h = await startReopenHarness(t, {
    initialMode: 'open',
    staged: { keyHeader: 'x-client' },
    trustedProxies: ['127.0.0.1/32'],
    healthGate: { serverErrors: { maxShare: 0.2, minSamples: 10 } }
  })
  const viewer = adminClient(h.gk.adminUrl, VIEWER_TOKEN)
  const eta = new Date(Date.now() + 1500).toISOString()
  t.equal((await h.admin('POST', '/v1/close', { reason: 'upgrade to 23.1', until: eta })).status, 200)
  const made = await (await h.admin('POST', '/v1/tokens', { name: 'qa', ttl: '2h' })).json() as { token: string }
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '127.2.0.0/16', label: 'Office' })).status, 201)

  let turnedAway = 0
  for (let i = 0; i < 10; i++) {
    const answer = await get(publicUrl(h, '/echo'), { from: `127.4.0.${1 + (i % 5)}` })
    t.equal(answer.status, 503)
    turnedAway++
  }
  for (let i = 0; i < 3; i++) t.equal((await get(publicUrl(h, '/echo'), { from: '127.3.0.1', headers: { 'x-gatekeeper-bypass': made.token } })).status, 200)
  for (let i = 0; i < 2; i++) t.equal((await get(publicUrl(h, '/echo'), { from: '127.2.0.9' })).status, 200)

  t.equal((await h.admin('POST', '/v1/ramp', { steps: [{ percent: 50, hold: '10m' }, { percent: 100 }] })).status, 200)
  const failing = await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 20, { prefix: 'failing' })
  turnedAway += failing.sent - failing.passed
  h.clock.advance(1000)
  await h.waitForState((s) => s.mode === 'closed', 'the health gate to abort the ramp')

  // the planned ETA passes while the site is still closed
  while (Date.now() <= Date.parse(eta)) await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal((await h.admin('POST', '/v1/close', { reason: 'rolling back', until: new Date(Date.now() + 3_600_000).toISOString() })).status, 200)
  t.equal((await h.admin('POST', '/v1/open', {})).status, 200)
  // the counts of the minute are flushed by the clock, and the timeline reads up to its now
  h.clock.advance(120_000)

  const answer = await viewer('GET', '/v1/timeline?tz=UTC')
  t.equal(answer.status, 200, 'a viewer reads the timeline')
  const timeline = await answer.json() as Timeline & { markdown: string }
  const kinds = timeline.phases.map((p) => p.events.map((e) => e.kind).join('+'))
  t.same(kinds, ['mode', 'token', 'allowlist', 'ramp', 'abort+abort', 'eta', 'mode'], 'one phase a change, from the closing on')
  t.match(timeline.phases[0], { mode: 'closed', eta, events: [{ who: 'ops', reason: 'upgrade to 23.1', what: 'closed' }] })
  t.match(timeline.phases[3], { mode: 'staged', percent: 50 })
  t.match(timeline.phases[4], { mode: 'closed', events: [{ kind: 'abort', who: 'gatekeeper', reason: /5xx share/, figures: { serverErrors: 20 } }, { action: 'ramp.abort' }] })
  t.match(timeline.phases[6], { mode: 'open', events: [{ what: 'opened', who: 'ops' }] })
  const total = timeline.totals
  t.match(total.experience, { publicTurnedAway: turnedAway, publicLetThrough: 20, testerRequests: 5, testers: ['Office', 'token qa'], upstream5xx: 20, upstreamAnswers: 20, upstream5xxShare: 1 })
  t.equal(total.plannedEta, eta)
  t.equal(total.reopenedAt, timeline.phases[6]?.start)
  t.ok((total.lateByMs ?? 0) > 0, 'reopened after the planned ETA')
  t.equal(total.lateByMs, Date.parse(total.reopenedAt ?? '') - Date.parse(eta))
  t.ok(total.closedMs > 0)

  const markdown = await viewer('GET', '/v1/timeline?tz=UTC&format=markdown')
  t.equal(markdown.status, 200)
  t.match(markdown.headers.get('content-type'), /^text\/markdown/)
  const text = await markdown.text()
  t.match(text, /closed by ops: "upgrade to 23\.1" · ETA \d\d:\d\d/)
  t.match(text, 'the health gate tripped by gatekeeper')
  t.match(text, /## Totals[\s\S]*- Planned reopening \d\d:\d\d \(ETA moved to \d\d:\d\d\), reopened \d\d:\d\d/)

  t.match(await (await viewer('GET', '/v1/timeline?tz=Mars/Olympus')).json(), { statusCode: 400, code: 'GK_ERR_BAD_FIELD', message: /query\.tz.*unknown time zone/ })
  t.match(await (await viewer('GET', '/v1/timeline?from=yesterday')).json(), { statusCode: 400, code: 'GK_ERR_BAD_TIME', message: /query\.from/ })
  t.match(await (await viewer('GET', '/v1/timeline?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z')).json(), { statusCode: 400, code: 'GK_ERR_BAD_COMBINATION', message: /at most 7 days/ })
  const openapi = await (await viewer('GET', '/v1/openapi.json')).json() as { paths: Record<string, unknown> }
  t.ok('/v1/timeline' in openapi.paths, 'the route is in the OpenAPI document')
})
