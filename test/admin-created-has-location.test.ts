import t from 'tap'
import { startHarness } from './helpers/harness.js'

t.test('a 201 carries Location, and the created thing can be read there', async (t) => {
  const h = await startHarness(t)

  const added = await h.admin('POST', '/v1/allowlist', { cidr: '10.0.0.0/24', label: 'office' })
  t.equal(added.status, 201)
  t.equal(added.headers.get('location'), '/v1/allowlist/10.0.0.0%2F24')
  const entry = await h.admin('GET', added.headers.get('location') as string)
  t.equal(entry.status, 200)
  t.match(await entry.json(), { cidr: '10.0.0.0/24', label: 'office', addedBy: 'ops', expired: false })

  const v6 = await h.admin('POST', '/v1/allowlist', { cidr: '2001:db8::/48' })
  t.equal(v6.status, 201)
  t.equal(v6.headers.get('location'), '/v1/allowlist/2001%3Adb8%3A%3A%2F48')
  t.match(await (await h.admin('GET', v6.headers.get('location') as string)).json(), { cidr: '2001:db8::/48' }, 'an IPv6 range too')

  const token = await h.admin('POST', '/v1/tokens', { name: 'sandra', ttl: 3600 })
  t.equal(token.status, 201)
  t.equal(token.headers.get('location'), '/v1/tokens/sandra')
  const listed = await h.admin('GET', '/v1/tokens/sandra')
  t.equal(listed.status, 200)
  const shown = await listed.json() as Record<string, unknown>
  t.match(shown, { name: 'sandra', createdBy: 'ops', expired: false })
  t.notOk('token' in shown || 'sha256' in shown, 'the secret is shown once, at creation')

  const schedule = await h.admin('POST', '/v1/schedule', { closeAt: new Date(Date.now() + 3600_000).toISOString() })
  t.equal(schedule.status, 201)
  t.equal(schedule.headers.get('location'), '/v1/schedule')

  t.equal((await h.admin('GET', '/v1/allowlist/10.9.9.0%2F24')).status, 404, 'an entry never added is not found')
  t.equal((await h.admin('GET', '/v1/tokens/nobody')).status, 404)
})

t.test('a refused create carries no Location', async (t) => {
  const h = await startHarness(t)
  t.equal((await h.admin('POST', '/v1/allowlist', { cidr: '10.0.0.0/24' })).status, 201)
  const again = await h.admin('POST', '/v1/allowlist', { cidr: '10.0.0.0/24' })
  t.equal(again.status, 409)
  t.equal(again.headers.get('location'), null)
})
