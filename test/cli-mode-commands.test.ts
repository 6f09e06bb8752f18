import t from 'tap'
import { cliFor, type Run } from './helpers/cli.js'
import { get, OPERATOR_TOKEN, publicUrl, startHarness, VIEWER_TOKEN, type Harness } from './helpers/harness.js'
import { freePort } from './helpers/ports.js'

/** Waits (at most 5 s) until the public request just sent is in flight. */
async function untilInFlight (h: Harness): Promise<void> {
  for (let i = 0; i < 500 && h.gk.runtime.inFlight === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  if (h.gk.runtime.inFlight === 0) throw new Error('the slow request never reached the upstream')
}

t.test('status, close, read-only, stage and open change the mode and print it, as a table or as JSON', async (t) => {
  const h = await startHarness(t)
  const { run, outputs } = cliFor(t, h)

  const status = await run(['status'])
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /^mode:\s+open$/m)
  t.match(status.stdout, /^version:\s+0$/m)

  const closed = await run(['close', '--reason', 'Upgrading to 23.1', '--until', '2h', '--retry-after', '15m'])
  t.equal(closed.code, 0, closed.stderr)
  t.match(closed.stdout, /^mode:\s+closed$/m)
  t.match(closed.stdout, /^reason:\s+Upgrading to 23\.1$/m)
  t.match(closed.stdout, /^expected end:\s+\S+ \(in (1h 59m|2h)\)$/m)
  t.match(closed.stdout, /^retry-after:\s+900s/m)
  const stored = await (await h.admin('GET', '/v1/state')).json() as { mode: string, reason: string, retryAfter: number, window: { end: string } }
  t.equal(stored.mode, 'closed', 'the API holds what the CLI sent')
  t.equal(stored.retryAfter, 900)
  t.ok(Date.parse(stored.window.end) > Date.now() + 3600_000, '--until 2h is two hours from now')

  const readOnly = await run(['read-only', '-r', 'Reading only', '--json'])
  t.equal(readOnly.code, 0, readOnly.stderr)
  const readOnlyState = JSON.parse(readOnly.stdout) as { mode: string, reason: string, version: number }
  t.same([readOnlyState.mode, readOnlyState.reason], ['read-only', 'Reading only'], '--json prints the API answer')

  const staged = await run(['stage', '12.5%'])
  t.equal(staged.code, 0, staged.stderr)
  t.match(staged.stdout, /^mode:\s+staged 12\.5%$/m)

  const json = JSON.parse((await run(['status', '--json'])).stdout) as { mode: string, percent: number, version: number, seed?: string }
  t.same([json.mode, json.percent], ['staged', 12.5])
  t.equal(json.seed, undefined, 'the bucket seed is not shown')

  const watched = await run(['status', '--watch', '--for', '1s', '--interval', '200ms'])
  t.equal(watched.code, 0, watched.stderr)
  t.match(watched.stderr, /^staged 12\.5% \(version \d+\)$/m, 'the watch draws the state on stderr, once while it does not change')
  t.equal(watched.stderr.trim().split('\n').length, 1)
  t.match(watched.stdout, /^mode:\s+staged 12\.5%$/m, 'then prints it as it stands')

  const opened = await run(['open', '--if-match', String(json.version)])
  t.equal(opened.code, 0, opened.stderr)
  t.match(opened.stdout, /^mode:\s+open$/m)
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.3' })).status, 200, 'the public gets through again')

  const stale = await run(['close', '--if-match', String(json.version)])
  t.equal(stale.code, 6, '--if-match on a version already passed exits 6')
  t.match(stale.stderr, /412 GK_ERR_VERSION_MISMATCH.*someone changed it first/)
  t.equal((await run(['status', '--json'])).stdout.includes('"mode": "open"'), true, 'a refused change changes nothing')

  for (const text of outputs) t.notOk(text.includes(OPERATOR_TOKEN), 'the admin token is never printed')
})

t.test('errors: bad arguments, a viewer token, no token, an unreachable API, an API refusal', async (t) => {
  const h = await startHarness(t)
  const { run, outputs } = cliFor(t, h)

  const cases: Array<[string[], RegExp]> = [
    [['stage', '101'], /PERCENT must be a percentage from 0 to 100.*"101"/],
    [['stage'], /missing PERCENT/],
    [['stage', '5', '6'], /unexpected argument "6"/],
    [['close', '--until', 'tomorrow'], /--until must be an ISO 8601 time.*"tomorrow"/],
    [['close', '--retry-after', 'soon'], /--retry-after must be a duration.*"soon"/],
    [['close', '--bogus'], /unknown option --bogus/],
    [['close', '--reason'], /--reason needs a value/],
    [['open', '--wait', 'forever'], /--wait must be "applied" or "drained", got "forever"/],
    [['open', '--timeout', '5'], /--timeout applies to --wait/],
    [['open', '--if-match', 'latest'], /--if-match must be a state version/],
    [['status', '--url', 'ftp://example.org'], /--url must start with http:\/\/ or https:\/\//],
    [['status', '--for', '5s'], /--for applies to --watch/],
    [['frobnicate'], /unknown command "frobnicate"/]
  ]
  const runs = await Promise.all(cases.map(([args]) => run(args)))
  cases.forEach(([args, message], i) => {
    const result = runs[i] as Run
    t.equal(result.code, 2, `${args.join(' ')}: exit 2`)
    t.match(result.stderr, message, `${args.join(' ')}: the message names what is wrong`)
  })
  t.equal((await (await h.admin('GET', '/v1/state')).json() as { version: number }).version, 0, 'a usage error sends nothing')

  const viewer = await run(['close', '--reason', 'x'], { GATEKEEPER_TOKEN: VIEWER_TOKEN })
  t.equal(viewer.code, 5, 'a viewer token asking for a change: exit 5')
  t.match(viewer.stderr, /403 GK_ERR_FORBIDDEN.*viewer/)
  const viewerReads = await run(['status'], { GATEKEEPER_TOKEN: VIEWER_TOKEN })
  t.equal(viewerReads.code, 0, 'a viewer token reads')

  const noToken = await run(['status'], { GATEKEEPER_TOKEN: '' })
  t.equal(noToken.code, 5, 'no token: exit 5')
  t.match(noToken.stderr, /401 GK_ERR_UNAUTHORIZED[\s\S]*GATEKEEPER_TOKEN/)
  const wrongToken = await run(['status', '--token', 'not-the-right-token-at-all', '--json'])
  t.equal(wrongToken.code, 5)
  t.equal((JSON.parse(wrongToken.stdout) as { code: string, exitCode: number }).code, 'GK_ERR_UNAUTHORIZED', '--json: the error is JSON too')
  t.notOk(wrongToken.stdout.includes('not-the-right-token-at-all') || wrongToken.stderr.includes('not-the-right-token-at-all'), 'a token on the command line is not echoed')

  const port = await freePort()
  const unreachable = await run(['status', '--url', `http://127.0.0.1:${port}`])
  t.equal(unreachable.code, 3, 'nobody listening: exit 3')
  t.match(unreachable.stderr, new RegExp(`cannot reach the admin API at http://127\\.0\\.0\\.1:${port}`))
  const notTheApi = await run(['status', '--url', h.gk.publicUrl])
  t.equal(notTheApi.code, 3, 'the public listener is not the admin API: exit 3')
  t.match(notTheApi.stderr, /not as the Gatekeeper admin API/)

  const refused = await run(['close', '--until', '2020-01-01T00:00:00Z'])
  t.equal(refused.code, 1, 'the API refuses a time in the past: exit 1')
  t.match(refused.stderr, /\(400 GK_ERR_BAD_TIME\): body\.until is not a usable time: it is in the past/)

  for (const text of outputs) t.notOk(text.includes(OPERATOR_TOKEN), 'the admin token is never printed')
})

t.test('--wait applied and --wait drained hold until confirmed, with progress on stderr; a drain that runs out exits 4', async (t) => {
  const h = await startHarness(t)
  const { run } = cliFor(t, h)

  const applied = await run(['stage', '5', '--wait', 'applied', '--json'])
  t.equal(applied.code, 0, applied.stderr)
  const body = JSON.parse(applied.stdout) as { confirmation: { wait: string, instances: unknown[] } }
  t.equal(body.confirmation.wait, 'applied')
  t.match(applied.stderr, /^applied on 1 instance \(version 1\)$/m)
  await h.admin('POST', '/v1/open')

  const order: string[] = []
  const slow = get(publicUrl(h, '/slow?ms=6000'), { from: '127.0.0.3' }).then((res) => { order.push('slow request done'); return res })
  await untilInFlight(h)
  const drained = await run(['close', '--reason', 'Backup', '--wait', 'drained', '--timeout', '20'])
  order.push('close returned')
  t.equal(drained.code, 0, drained.stderr)
  t.equal((await slow).status, 200, 'the request admitted before the close completes')
  t.same(order, ['slow request done', 'close returned'], 'the CLI returned after the drain')
  t.match(drained.stderr, /^1 of 1 instance applied the change; 1 public request in flight, 0 public websockets open$/m, 'progress on stderr, from GET /v1/instances')
  t.match(drained.stderr, /^drained: applied on 1 instance/m)
  t.match(drained.stdout, /^mode:\s+closed$/m)

  await h.admin('POST', '/v1/open')
  // long enough to outlast a CLI that starts slowly on a loaded machine
  const stuck = get(publicUrl(h, '/slow?ms=10000'), { from: '127.0.0.3' })
  await untilInFlight(h)
  const late = await run(['close', '--wait', 'drained', '--timeout', '1'])
  t.equal(late.code, 4, 'a drain that runs out: exit 4')
  t.match(late.stderr, /\(504 GK_ERR_TIMEOUT\): the change is made .*still waiting on \S+ \(1 public requests/, 'the laggards are named')
  t.equal((await (await h.admin('GET', '/v1/state')).json() as { mode: string }).mode, 'closed', 'the change itself stands')
  await stuck
})
