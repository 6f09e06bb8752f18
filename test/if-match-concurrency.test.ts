import t from 'tap'
import { startHarness } from './helpers/harness.js'

t.test('If-Match: of concurrent changes made from the same version, exactly one wins', async (t) => {
  const h = await startHarness(t)
  const res = await h.admin('GET', '/v1/state')
  const etag = res.headers.get('etag') as string
  t.match(etag, /^"\d+"$/)
  const answers = await Promise.all([
    h.admin('POST', '/v1/close', { reason: 'A' }, { 'if-match': etag }),
    h.admin('POST', '/v1/stage', { percent: 5 }, { 'if-match': etag }),
    h.admin('POST', '/v1/read-only', {}, { 'if-match': etag })
  ])
  const statuses = answers.map((a) => a.status).sort()
  t.same(statuses, [200, 412, 412], 'one 200, the others 412')
  const loser = answers.find((a) => a.status === 412) as Response
  t.match((await loser.json() as { message: string }).message, /someone changed it first/)
  const state = await (await h.admin('GET', '/v1/state')).json() as { version: number }
  t.equal(state.version, Number(etag.slice(1, -1)) + 1, 'one version further')
  const winner = answers.find((a) => a.status === 200) as Response
  t.equal(winner.headers.get('etag'), `"${state.version}"`, 'the winner learns the new version')
})

t.test('the audit log records who, when, from where, before and after, newest first', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/close', { reason: 'Backup' })
  await h.admin('POST', '/v1/stage', { percent: 5 })
  const audit = await (await h.admin('GET', '/v1/audit?limit=2')).json() as Array<Record<string, unknown>>
  t.equal(audit.length, 2)
  const [latest, earlier] = audit as [Record<string, unknown>, Record<string, unknown>]
  t.equal(latest.action, 'stage')
  t.equal(latest.actor, 'ops')
  t.equal(latest.ip, '127.0.0.1')
  t.match(latest.at, /^\d{4}-\d\d-\d\dT/)
  t.same(latest.before, { mode: 'closed', percent: 0 })
  t.same(latest.after, { mode: 'staged', percent: 5 })
  t.equal(earlier.action, 'close')
  t.notMatch(JSON.stringify(audit), /seed|sha256/, 'no secrets in the audit')
})

t.test('healthz needs no token and reports the mode and the store', async (t) => {
  const h = await startHarness(t)
  const res = await fetch(h.gk.adminUrl + '/healthz')
  t.equal(res.status, 200)
  const body = await res.json() as Record<string, unknown>
  t.equal(body.status, 'ok')
  t.equal(body.mode, 'open')
  t.same(body.store, { ok: true })
})
