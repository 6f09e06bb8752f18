import t from 'tap'
import pino from 'pino'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { adminClient, get, rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { namedUpstream } from './helpers/sites.js'

async function until (check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`timed out waiting for ${what}`)
}

for (const withDefault of [false, true]) {
  t.test(`the top-level tokens and dynamic allowlist reach every site's gate (${withDefault ? 'with' : 'without'} a site named default)`, async (t) => {
    const dir = tempDir(t)
    const raw = rawConfig(dir, '')
    delete raw.upstream
    const first = withDefault ? 'default' : 'app1'
    raw.sites = [
      { name: first, hosts: ['one.test'], upstream: await namedUpstream(t, 'one') },
      { name: 'app2', hosts: ['two.test'], upstream: await namedUpstream(t, 'two'), allowlist: ['127.0.0.5'] }
    ]
    const gk = await startGatekeeper(parseConfig(raw, TEST_ENV), { logger: pino({ level: 'silent' }) })
    t.teardown(() => gk.close())
    const admin = adminClient(gk.adminUrl)
    const status = async (host: string, options: { from?: string, token?: string } = {}): Promise<number> => {
      const headers: Record<string, string> = { host }
      if (options.token !== undefined) headers['x-gatekeeper-bypass'] = options.token
      return (await get(gk.publicUrl + '/', { headers, ...(options.from === undefined ? {} : { from: options.from }) })).status
    }
    for (const site of [first, 'app2']) t.equal((await admin('POST', `/v1/sites/${site}/close`, { reason: 'closed' })).status, 200)
    t.equal(await status('one.test'), 503)
    t.equal(await status('two.test'), 503)

    // a global token passes on both
    const created = await admin('POST', '/v1/tokens', { name: 'everywhere', ttl: '1h' })
    t.equal(created.status, 201, 'the top-level state holds tokens')
    const global = (await created.json() as { token: string }).token
    t.equal(await status('one.test', { token: global }), 200)
    t.equal(await status('two.test', { token: global }), 200)

    // a token limited to the first site passes there only
    const limited = await admin('POST', '/v1/tokens', { name: 'first-only', ttl: '1h', sites: [first] })
    t.equal(limited.status, 201)
    const only = (await limited.json() as { token: string }).token
    t.equal(await status('one.test', { token: only }), 200)
    const held = await get(gk.publicUrl + '/', { headers: { host: 'two.test', 'x-gatekeeper-bypass': only } })
    const plain = await get(gk.publicUrl + '/', { headers: { host: 'two.test' } })
    t.equal(held.status, 503, 'not valid on the other site')
    t.equal(held.body, plain.body, 'the maintenance page, exactly as without a token')
    const link = await get(gk.publicUrl + `/__gatekeeper/bypass/${only}`, { headers: { host: 'two.test' } })
    const invalid = await get(gk.publicUrl + `/__gatekeeper/bypass/${'x'.repeat(only.length)}`, { headers: { host: 'two.test' } })
    t.equal(link.status, invalid.status, 'the link on another site answers as an invalid one')
    t.equal(link.body, invalid.body)
    t.equal(link.headers['set-cookie'], undefined, 'and sets no cookie')
    const good = await get(gk.publicUrl + `/__gatekeeper/bypass/${only}`, { headers: { host: 'one.test' } })
    t.equal(good.status, 303)
    t.ok(good.headers['set-cookie'], 'the link sets its cookie on its own site')

    const listed = await (await admin('GET', '/v1/tokens')).json() as Array<{ name: string, sites?: string[] }>
    t.match(listed.find((token) => token.name === 'first-only'), { sites: [first] }, 'the list shows the sites')
    t.equal(listed.find((token) => token.name === 'everywhere')?.sites, undefined)

    // an unknown site is refused, naming it and the known ones, and changes nothing
    const before = (await admin('GET', '/v1/tokens')).headers.get('etag')
    const bad = await admin('POST', '/v1/tokens', { name: 'nowhere', ttl: '1h', sites: ['app9'] })
    t.equal(bad.status, 400)
    t.match(await bad.json(), { message: new RegExp(`"app9".*${first}, app2`) })
    t.equal((await admin('GET', '/v1/tokens')).headers.get('etag'), before, 'nothing changed')

    // a dynamic allowlist entry passes on both; a site's own entry only on its site
    t.equal((await admin('POST', '/v1/allowlist', { cidr: '127.0.0.3', label: 'tester' })).status, 201)
    t.equal(await status('one.test', { from: '127.0.0.3' }), 200)
    t.equal(await status('two.test', { from: '127.0.0.3' }), 200)
    t.equal(await status('two.test', { from: '127.0.0.5' }), 200, 'app2\'s own entry')
    t.equal(await status('one.test', { from: '127.0.0.5' }), 503, 'does not open the other site')

    // revoking and removing take effect on every site at once
    t.equal((await admin('DELETE', '/v1/tokens/everywhere')).status, 200)
    t.equal(await status('one.test', { token: global }), 503)
    t.equal(await status('two.test', { token: global }), 503, 'a revoked token stops passing on another site')
    t.equal((await admin('DELETE', '/v1/allowlist/127.0.0.3')).status, 200)
    t.equal(await status('two.test', { from: '127.0.0.3' }), 503)

    // an expired entry stops passing on both
    const expiresAt = new Date(Date.now() + 2500).toISOString()
    t.equal((await admin('POST', '/v1/allowlist', { cidr: '127.0.0.4', label: 'brief', expiresAt })).status, 201)
    t.equal(await status('two.test', { from: '127.0.0.4' }), 200)
    await until(async () => await status('one.test', { from: '127.0.0.4' }) === 503 && await status('two.test', { from: '127.0.0.4' }) === 503, 'the entry to expire')
    t.pass('the expired entry stops passing on both sites')
  })
}
