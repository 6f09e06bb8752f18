import t from 'tap'
import type { AuditEntry, State } from '../src/state/types.js'
import { cliFor } from './helpers/cli.js'
import { publicUrl } from './helpers/harness.js'
import { sendUntilPassed } from './helpers/keyed-traffic.js'
import { createManualClock } from './helpers/manual-clock.js'
import { waitUntil } from './helpers/reopen-harness.js'
import { siteStateOf, startSitesHarness } from './helpers/sites.js'

t.test('between two sites (neither of them default): a ramp holds on a closed dependency, an abort flags the dependent, and the CLI says both', async (t) => {
  const clock = createManualClock()
  const h = await startSitesHarness(t, (url) => [
    { name: 'portal', hosts: ['portal.test'], upstream: url, dependsOn: ['api'] },
    { name: 'api', hosts: ['api.test'], upstream: url }
  ], {
    clock,
    extra: {
      initialMode: 'closed',
      staged: { keyHeader: 'x-client' },
      trustedProxies: ['127.0.0.1/32'],
      healthGate: { serverErrors: { maxShare: 0.2, minSamples: 10 } }
    }
  })
  const stateOf = (site: string): State => siteStateOf(h.gk, site)
  const { run } = cliFor(t, h)
  const steps = [{ percent: 50, hold: '10m' }, { percent: 100 }]

  // portal's ramp is refused while api is closed, then holds when api closes under it
  t.equal((await h.admin('POST', '/v1/sites/portal/ramp', { steps })).status, 409, 'a ramp past a closed dependency is refused')
  t.equal((await h.admin('POST', '/v1/sites/api/stage', { percent: 50 })).status, 200)
  t.equal((await h.admin('POST', '/v1/sites/portal/ramp', { steps })).status, 200, 'api staged: the ramp may start')
  const apiRamp = await h.admin('POST', '/v1/sites/api/ramp', { steps })
  t.equal(apiRamp.status, 200, 'api ramps too')

  // api's upstream fails: its own health gate closes it, and flags portal, whose mode does not change
  await sendUntilPassed(publicUrl(h, '/status/500'), 'x-client', 20, { prefix: 'api-bad', headers: { host: 'api.test' } })
  clock.advance(1000)
  await waitUntil(() => stateOf('api').mode === 'closed', 'api\'s health gate to abort its ramp')
  await waitUntil(() => stateOf('portal').flags !== undefined, 'portal to be flagged')
  t.equal(stateOf('portal').mode, 'staged', 'portal keeps its mode: closing it is the operator\'s call')
  t.match(stateOf('portal').flags, [{ kind: 'dependency-aborted', site: 'api', reasons: [/5xx share/] }])
  const portalAudit = await (await h.admin('GET', '/v1/audit?site=portal&limit=5')).json() as AuditEntry[]
  t.match(portalAudit[0], { action: 'dependency.aborted', site: 'portal' }, 'audited in portal\'s own log')

  // portal's next step is due while api is closed: it holds, and says why
  clock.advance(10 * 60_000)
  await waitUntil(() => stateOf('portal').ramp?.held !== undefined, 'portal\'s ramp to hold')
  t.equal(stateOf('portal').percent, 50, 'the step is not taken')
  t.match(stateOf('portal').ramp?.held, { reason: 'dependency-closed', sites: ['api'] })

  const status = await run(['status', '--site', 'portal'])
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /^ramp:\s+held at step 1 of 2 \(50%\): waiting for api \(closed\) since /m, 'status says the ramp holds, and on what')
  t.match(status.stdout, /^flags:\s+⚠ api was closed by its health gate .*5xx share/m, 'and shows the flag')
  const sites = await run(['sites'])
  t.equal(sites.code, 0, sites.stderr)
  t.match(sites.stdout, /^portal: ⚠ api was closed by its health gate/m, 'sites lists the flagged site')

  // api reopens: portal's held step is taken; the operator's change clears the flag
  t.equal((await h.admin('POST', '/v1/sites/api/open')).status, 200)
  await waitUntil(() => stateOf('portal').mode === 'open', 'portal\'s held step')
  t.equal(stateOf('portal').ramp?.held, undefined)
  t.equal((await h.admin('POST', '/v1/sites/portal/open')).status, 200)
  t.equal(stateOf('portal').flags, undefined, 'the operator\'s decision clears the flag')
})

t.test('the CLI forces a ramp and a schedule past a closed dependency, and is refused without --force', async (t) => {
  const h = await startSitesHarness(t, (url) => [
    { name: 'portal', hosts: ['portal.test'], upstream: url, dependsOn: ['api'] },
    { name: 'shop', hosts: ['shop.test'], upstream: url, dependsOn: ['api'] },
    { name: 'api', hosts: ['api.test'], upstream: url }
  ], { extra: { initialMode: 'closed' } })
  const { run } = cliFor(t, h)
  const stateOf = (site: string): State => siteStateOf(h.gk, site)

  const refused = await run(['ramp', 'start', '50%:10m,100%', '--site', 'portal'])
  t.not(refused.code, 0, 'a ramp past a closed dependency is refused')
  t.match(refused.stderr, /api/)
  t.equal(stateOf('portal').mode, 'closed', 'and nothing changed')
  const forced = await run(['ramp', 'start', '50%:10m,100%', '--site', 'portal', '--force'])
  t.equal(forced.code, 0, forced.stderr)
  t.equal(stateOf('portal').mode, 'staged')
  t.equal(stateOf('portal').ramp?.force, true, 'the ramp is forced: its steps will not hold')
  const audit = await (await h.admin('GET', '/v1/audit?site=portal&limit=1')).json() as AuditEntry[]
  t.match(audit[0], { action: 'ramp.start', forced: ['api'] }, 'audited as forced')

  const schedule = await run(['schedule', 'create', '--site', 'shop', '--close-at', '+1m', '--open-at', '+2h', '--then', 'open', '--force'])
  t.equal(schedule.code, 0, schedule.stderr)
  t.equal(stateOf('shop').schedule?.force, true, 'the schedule is forced: its opening will not hold')
})
