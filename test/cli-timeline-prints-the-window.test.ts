import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { get, publicUrl, startHarness } from './helpers/harness.js'

t.test('gatekeeper timeline prints the window as Markdown in the zone asked for, or as JSON', async (t) => {
  const h = await startHarness(t, { initialMode: 'open' })
  t.equal((await h.admin('POST', '/v1/close', { reason: 'database upgrade', until: new Date(Date.now() + 3_600_000).toISOString() })).status, 200)
  t.equal((await get(publicUrl(h, '/'), { from: '127.0.5.1' })).status, 503)
  t.equal((await h.admin('POST', '/v1/open', {})).status, 200)
  const { run } = cliFor(t, h)

  const markdown = await run(['timeline', '--tz', 'Europe/Paris'])
  t.equal(markdown.code, 0, markdown.stderr)
  t.match(markdown.stdout, /^# The window of .* \(Europe\/Paris\)\n/)
  t.match(markdown.stdout, /- \d\d:\d\d–\d\d:\d\d \(\d+ seconds?\) closed by ops: "database upgrade" · ETA \d\d:\d\d/)
  t.match(markdown.stdout, /- \d\d:\d\d–\d\d:\d\d \(\d+ seconds?\) opened by ops/)
  t.match(markdown.stdout, /## Totals\n\n- Closed: \d+ seconds?\n/)
  t.match(markdown.stdout, /reopened \d\d:\d\d: 59 minutes early|reopened \d\d:\d\d: 1 hour early/)

  const json = await run(['timeline', '--format', 'json', '--from', new Date(Date.now() - 60_000).toISOString(), '--to', 'now', '--tz', 'UTC'])
  t.equal(json.code, 0, json.stderr)
  const timeline = JSON.parse(json.stdout) as { tz: string, phases: Array<{ mode: string }>, totals: { closedMs: number }, markdown?: string }
  t.equal(timeline.tz, 'UTC')
  t.same(timeline.phases.map((p) => p.mode), ['open', 'open', 'closed', 'open'], 'the fresh install\'s first state, the closing, the opening')
  t.equal(timeline.markdown, undefined, 'JSON without the Markdown copy')

  const bad = await run(['timeline', '--format', 'pdf'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--format must be markdown or json/)
  const badZone = await run(['timeline', '--tz', 'Nowhere/Else'])
  t.not(badZone.code, 0)
  t.match(badZone.stderr, /unknown time zone/)
})
