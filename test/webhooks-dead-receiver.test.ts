import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { AuditEntry } from '../src/state/types.js'
import { TEST_ENV } from './helpers/harness.js'
import { startReopenHarness, waitUntil } from './helpers/reopen-harness.js'
import { startReceiver } from './helpers/webhook-receiver.js'

const ENV = { ...TEST_ENV, GK_TEST_WEBHOOK_SECRET: 'webhook-secret-for-tests-0123456789' }

t.test('a receiver that never answers does not hold up a change', async (t) => {
  const receiver = await startReceiver(t, { hang: true })
  const h = await startReopenHarness(t, {
    webhooks: { timeoutMs: 60_000, retries: 0, endpoints: [{ url: receiver.url, secretEnv: 'GK_TEST_WEBHOOK_SECRET' }] }
  }, { env: ENV })
  const order: string[] = []
  const attempts: boolean[] = []
  const stats = (): number => h.gk.reopen.notifier.stats().delivered

  t.equal((await h.admin('POST', '/v1/close')).status, 200)
  order.push(`change returned, ${stats()} delivered`)
  await waitUntil(() => receiver.held.length === 1, 'the first delivery to reach the receiver')
  order.push('the receiver holds the delivery')
  t.equal((await h.admin('POST', '/v1/stage', { percent: 10 })).status, 200)
  t.equal((await h.admin('POST', '/v1/open')).status, 200)
  order.push(`two more changes returned, ${stats()} delivered`)
  attempts.push(...receiver.held.map((res) => res.writableEnded))
  t.same(attempts, [false], 'the first attempt was still unanswered when the changes returned')

  receiver.held[0]?.writeHead(204).end()
  await waitUntil(() => stats() >= 1, 'the held delivery to finish')
  order.push('the first delivery finished')
  t.same(order, [
    'change returned, 0 delivered',
    'the receiver holds the delivery',
    'two more changes returned, 0 delivered',
    'the first delivery finished'
  ])
  t.equal(h.state().mode, 'open')
})

t.test('a closed port: the change succeeds, the delivery is retried, then given up and audited', async (t) => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const url = `http://127.0.0.1:${port}/hook`
  const h = await startReopenHarness(t, {
    webhooks: { retries: 2, backoffMs: 5, endpoints: [{ url, secretEnv: 'GK_TEST_WEBHOOK_SECRET', events: ['mode.changed'] }] }
  }, { env: ENV })

  const res = await h.admin('POST', '/v1/close', { reason: 'Upgrading' })
  t.equal(res.status, 200, 'the change went through')
  t.equal(h.state().mode, 'closed')
  await waitUntil(() => h.gk.reopen.notifier.stats().failed === 1, 'the delivery to be given up')
  t.match(h.gk.reopen.notifier.stats(), { failed: 1, retried: 2, delivered: 0 })
  // the note is written as the delivery gives up: read the audit until it is there, a bounded number of times
  let audit: AuditEntry[] = []
  for (let i = 0; i < 100 && !audit.some((e) => e.action === 'webhook.failed'); i++) {
    audit = await (await h.admin('GET', '/v1/audit?limit=5')).json() as AuditEntry[]
  }
  const actions = audit.map((e) => e.action)
  t.ok(actions.indexOf('webhook.failed') < actions.indexOf('close'), 'the give-up is recorded after the change (newest first)')
  t.match(audit.find((e) => e.action === 'webhook.failed'), { actor: 'gatekeeper', after: { url, event: 'mode.changed', attempts: 3, error: /ECONNREFUSED|fetch failed/ } })
})
