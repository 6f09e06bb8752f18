import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { OPERATOR_TOKEN, startHarness, VIEWER_TOKEN, type Harness } from './helpers/harness.js'

interface RampState { mode: string, percent: number, ramp?: { index: number, paused: boolean, pauseReason?: string, steps: Array<{ percent: number, holdSeconds: number }>, ended?: { outcome: string, reason: string } } }

async function stateOf (h: Harness): Promise<RampState> {
  return await (await h.admin('GET', '/v1/state')).json() as RampState
}

t.test('ramp start, pause, resume, promote, abort and show drive a ramp; bad steps are usage errors', async (t) => {
  const h = await startHarness(t)
  const { run, outputs } = cliFor(t, h)

  const cases: Array<[string[], RegExp]> = [
    [['ramp', 'start', '5%:5m,25%,100%'], /step 2 \("25%"\) needs a hold, such as 25%:10m/],
    [['ramp', 'start', '5%:soon,100%'], /step 1 \("5%:soon"\) hold must be a duration.*"soon"/],
    [['ramp', 'start', '5%:5m,,100%'], /STEPS must be steps such as 5%:5m,25%:10m,100%/],
    [['ramp', 'start', '150%'], /step 1 \("150%"\) must be a percentage from 0 to 100/],
    [['ramp', 'start', '5%:5m,100%', '--on-unhealthy', 'panic'], /--on-unhealthy must be "abort" or "hold", got "panic"/],
    [['ramp', 'start', '5%:5m,100%', '--abort-on', '{nope'], /--abort-on must be a JSON object/],
    [['ramp', 'abort'], /--reason is required/],
    [['ramp', 'watch', '--for', 'a while'], /--for must be a duration/],
    [['ramp', 'launch'], /unknown command "launch"; expected one of start, pause, resume, promote, abort, show, watch/]
  ]
  const runs = await Promise.all(cases.map(([args]) => run(args)))
  cases.forEach(([args, message], i) => {
    t.equal(runs[i]?.code, 2, `${args.join(' ')}: exit 2`)
    t.match(runs[i]?.stderr, message, `${args.join(' ')}: names what is wrong`)
  })

  const whileOpen = await run(['ramp', 'start', '5%:5m,100%'])
  t.equal(whileOpen.code, 1, 'the API refuses a ramp on an open site: exit 1')
  t.match(whileOpen.stderr, /409 GK_ERR_CONFLICT.*the site is open/)
  t.equal((await run(['close', '--reason', 'Upgrade'])).code, 0)

  const viewer = await run(['ramp', 'start', '5%:5m,100%'], { GATEKEEPER_TOKEN: VIEWER_TOKEN })
  t.equal(viewer.code, 5, 'a viewer cannot start a ramp')

  const started = await run(['ramp', 'start', '5%:5m,25%:10m,100%', '--max-5xx', '2%', '--max-p99', '1500ms', '--min-samples', '30'])
  t.equal(started.code, 0, started.stderr)
  t.match(started.stdout, /^mode:\s+staged 5%$/m)
  t.match(started.stdout, /^ramp:\s+step 1 of 3 \(5%\); 25% at \S+ \(in (4m 59s|5m)\)$/m)
  t.match(started.stdout, /^ramp steps:\s+5%:5m,25%:10m,100%$/m)
  const ramp = (await stateOf(h)).ramp
  t.same(ramp?.steps, [{ percent: 5, holdSeconds: 300 }, { percent: 25, holdSeconds: 600 }, { percent: 100, holdSeconds: 0 }], 'the steps reached the API as typed')
  const plan = await (await h.admin('GET', '/v1/ramp')).json() as { ramp: { abortOn: { serverErrors: { maxShare: number, minSamples: number }, latencyP99: { maxMs: number } } } }
  t.equal(plan.ramp.abortOn.serverErrors.maxShare, 0.02, '--max-5xx 2% is a share of 0.02')
  t.equal(plan.ramp.abortOn.serverErrors.minSamples, 30)
  t.equal(plan.ramp.abortOn.latencyP99.maxMs, 1500)

  const paused = await run(['ramp', 'pause', '-r', 'checking the logs'])
  t.equal(paused.code, 0, paused.stderr)
  t.match(paused.stdout, /^ramp:\s+paused at step 1 of 3 \(5%\), .* of its hold left; paused by ops: checking the logs$/m)
  const pausedAgain = await run(['ramp', 'pause'])
  t.equal(pausedAgain.code, 1)
  t.match(pausedAgain.stderr, /409 GK_ERR_CONFLICT.*already paused/)
  t.equal((await run(['ramp', 'resume'])).code, 0)
  t.equal((await stateOf(h)).ramp?.paused, false, 'resumed')

  const promoted = await run(['ramp', 'promote', '--json'])
  t.equal(promoted.code, 0, promoted.stderr)
  t.same([(JSON.parse(promoted.stdout) as RampState).percent, (JSON.parse(promoted.stdout) as RampState).ramp?.index], [25, 1], 'promote: the next step now')

  const show = await run(['ramp', 'show'])
  t.equal(show.code, 0, show.stderr)
  t.match(show.stdout, /^1\s+5%\s+5m\s+done$/m)
  t.match(show.stdout, /^2\s+25%\s+10m\s+in force$/m)
  t.match(show.stdout, /^3\s+100%\s*$/m)
  t.match(show.stdout, /^5xx share\s+\S+\s+2\.0% \(from 30 requests\)$/m, 'the health gate beside the figures')
  const showJson = JSON.parse((await run(['ramp', 'show', '--json'])).stdout) as { running: boolean }
  t.equal(showJson.running, true)

  const stillRunning = await run(['ramp', 'watch', '--for', '1s', '--interval', '200ms'])
  t.equal(stillRunning.code, 4, 'a ramp still holding a 10 minute step when --for runs out: exit 4')
  t.match(stillRunning.stderr, /^staged 25% \(version \d+\): ramp at step 2 of 3, 100% at \S+$/m, 'progress on stderr')
  t.match(stillRunning.stderr, /the ramp is still running after 1s/)

  const aborted = await run(['ramp', 'abort', '--reason', '500s in the log'])
  t.equal(aborted.code, 0, aborted.stderr)
  t.match(aborted.stdout, /^mode:\s+closed$/m)
  t.match(aborted.stdout, /^ramp:\s+aborted .* at step 2 of 3 \(25%\), by ops: 500s in the log$/m)
  const afterAbort = await run(['ramp', 'watch'])
  t.equal(afterAbort.code, 7, 'watching an aborted ramp: exit 7')
  t.match(afterAbort.stderr, /the ramp was aborted: 500s in the log/)
  for (const text of outputs) t.notOk(text.includes(OPERATOR_TOKEN), 'the admin token is never printed')
})

t.test('ramp start --watch follows a short ramp to the open site and exits 0', async (t) => {
  const h = await startHarness(t)
  const { run } = cliFor(t, h)
  await h.admin('POST', '/v1/close')
  const watched = await run(['ramp', 'start', '10%:1s,50%:1s,100%', '--watch', '--for', '60s', '--interval', '200ms'])
  t.equal(watched.code, 0, watched.stderr)
  t.match(watched.stderr, /^staged 10% \(version \d+\): ramp at step 1 of 3, 50% at /m, 'each step shows on stderr')
  t.match(watched.stderr, /^open \(version \d+\): the ramp ended, completed at step 3 of 3/m)
  t.match(watched.stdout, /^mode:\s+open$/m, 'the state as it ended')
  t.equal((await stateOf(h)).ramp?.ended?.outcome, 'completed')
})

t.test('schedule create, show, extend and cancel; admission answers the dry run', async (t) => {
  const h = await startHarness(t)
  const { run, outputs } = cliFor(t, h)

  const [none, noneJson] = await Promise.all([run(['schedule', 'show']), run(['schedule', 'show', '--json'])])
  t.match(none.stdout, /^no schedule$/m)
  t.equal(noneJson.stdout.trim(), 'null')

  const cases: Array<[string[], RegExp]> = [
    [['schedule', 'create'], /--close-at is required/],
    [['schedule', 'create', '--close-at', 'tonight'], /--close-at must be an ISO 8601 time.*"tonight"/],
    [['schedule', 'create', '--close-at', '+1h', '--then', 'later'], /--then must be hold, ramp or open, got "later"/],
    [['schedule', 'create', '--close-at', '+1h', '--steps', '5%:5m,100%'], /--steps and the health options go with --then ramp/],
    [['schedule', 'extend'], /give one of --open-at TIME or --by DURATION/],
    [['schedule', 'extend', '--by', '10s'], /--by must be whole seconds from 60/]
  ]
  const runs = await Promise.all(cases.map(([args]) => run(args)))
  cases.forEach(([args, message], i) => {
    t.equal(runs[i]?.code, 2, `${args.join(' ')}: exit 2`)
    t.match(runs[i]?.stderr, message, `${args.join(' ')}: names what is wrong`)
  })
  const inThePast = await run(['schedule', 'create', '--close-at', '2020-01-01T00:00:00Z'])
  t.equal(inThePast.code, 1, 'the API refuses a schedule in the past')
  t.match(inThePast.stderr, /GK_ERR_BAD_TIME.*body\.closeAt is not a usable time: it is in the past/)
  const backwards = await run(['schedule', 'create', '--close-at', '+2h', '--open-at', '+1h'])
  t.equal(backwards.code, 1)
  t.match(backwards.stderr, /body\.openAt is not a usable time: it .* must be after body\.closeAt/)

  const closeAt = new Date(Date.now() + 3600_000).toISOString()
  const created = await run(['schedule', 'create', '--close-at', closeAt, '--open-at', '+3h', '--reason', 'Upgrade to 23.1', '--then', 'ramp', '--steps', '10%:10m,100%'])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stdout, /^then:\s+ramp$/m)
  t.match(created.stdout, /^ramp steps:\s+10%:10m,100%$/m)
  t.match(created.stdout, /^phase:\s+pending/m)
  const before = JSON.parse((await run(['schedule', 'show', '--json'])).stdout) as { closeAt: string, openAt: string, reason: string }
  t.equal(Date.parse(before.closeAt), Date.parse(closeAt), 'closeAt as given')
  t.equal(before.reason, 'Upgrade to 23.1')
  const twice = await run(['schedule', 'create', '--close-at', '+1h'])
  t.equal(twice.code, 1)
  t.match(twice.stderr, /409 GK_ERR_CONFLICT.*a schedule already exists/)

  const extended = await run(['schedule', 'extend', '--by', '30m'])
  t.equal(extended.code, 0, extended.stderr)
  const after = JSON.parse((await run(['schedule', 'show', '--json'])).stdout) as { openAt: string }
  t.equal(Date.parse(after.openAt) - Date.parse(before.openAt), 1800_000, 'extend --by 30m moves openAt by 30 minutes')
  const shown = await run(['schedule', 'show'])
  t.match(shown.stdout, /^schedule:\s+closes at .*; ramp \(10%:10m,100%\) at /m)
  t.match((await run(['status'])).stdout, /^schedule:\s+closes at /m, 'status shows the schedule')

  const viewer = await run(['schedule', 'cancel'], { GATEKEEPER_TOKEN: VIEWER_TOKEN })
  t.equal(viewer.code, 5)
  const cancelled = await run(['schedule', 'cancel'])
  t.equal(cancelled.code, 0, cancelled.stderr)
  t.match(cancelled.stdout, /^schedule cancelled; the site stays open/m)
  t.equal((await run(['schedule', 'cancel'])).code, 1, 'nothing left to cancel: refused')

  await h.admin('POST', '/v1/stage', { percent: 0 })
  const [held, all, readOnly, noIp, badIp, badPercent] = await Promise.all([
    run(['admission', '--ip', '203.0.113.7']),
    run(['admission', '--ip', '203.0.113.7', '--percent', '100', '--json']),
    run(['admission', '--ip', '203.0.113.7', '--method', 'POST']),
    run(['admission']),
    run(['admission', '--ip', 'not-an-address']),
    run(['admission', '--ip', '203.0.113.7', '--percent', 'half'])
  ])
  t.equal(held.code, 0, held.stderr)
  t.match(held.stdout, /^admitted:\s+no$/m)
  t.match(held.stdout, /^reason:\s+staged-waiting$/m)
  const bucket = Number(/^bucket:\s+(\d+) of 0-9999/m.exec(held.stdout)?.[1])
  const atAll = JSON.parse(all.stdout) as { admitted: boolean, client: { bucket: number } }
  t.equal(atAll.admitted, true, 'at 100 % everyone is admitted')
  t.equal(atAll.client.bucket, bucket, 'the same bucket, table or JSON')
  t.match(readOnly.stdout, /^admitted:\s+no$/m)
  t.equal(noIp.code, 2)
  t.match(noIp.stderr, /--ip is required/)
  t.equal(badIp.code, 1)
  t.match(badIp.stderr, /query\.ip: must be an IP address, got "not-an-address"/)
  t.equal(badPercent.code, 2)
  t.match(badPercent.stderr, /--percent must be a percentage/)
  for (const text of outputs) t.notOk(text.includes(OPERATOR_TOKEN), 'the admin token is never printed')
})
