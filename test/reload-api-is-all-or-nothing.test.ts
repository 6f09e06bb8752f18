import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { adminClient, get, VIEWER_TOKEN } from './helpers/harness.js'
import { startFromFile } from './helpers/reload.js'

interface AuditEntry { action: string, actor: string, after?: Record<string, unknown> }

async function audit (h: Awaited<ReturnType<typeof startFromFile>>): Promise<AuditEntry[]> {
  return await (await h.admin('GET', '/v1/audit?limit=20')).json() as AuditEntry[]
}

t.test('a reload applies the changed keys and says which', async (t) => {
  const h = await startFromFile(t, { initialMode: 'closed' })
  t.equal((await get(h.gk.publicUrl + '/', { from: '127.0.0.2' })).status, 503, 'closed to an address not listed')
  h.rewrite({ allowlist: ['127.0.0.2/32'], publicRequestCutoffMs: 1234 })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200)
  const body = await res.json() as { version: number, changed: string[] }
  t.same(body.changed.sort(), ['allowlist', 'publicRequestCutoffMs'])
  t.equal(body.version, 2)
  t.equal((await get(h.gk.publicUrl + '/', { from: '127.0.0.2' })).status, 200, 'the new allowlist admits it')
  t.equal(h.gk.config.publicRequestCutoffMs, 1234)
  const entry = (await audit(h)).find((e) => e.action === 'reload')
  t.ok(entry, 'audited as reload')
  t.same(entry?.after?.changed, ['allowlist', 'publicRequestCutoffMs'])
  t.equal(entry?.actor, 'ops')

  const again = await (await h.admin('POST', '/v1/reload')).json() as { version: number, changed: string[] }
  t.same(again, { version: 2, changed: [] }, 'the same file again changes nothing')
})

t.test('an invalid key refuses the whole reload and names it; nothing changes', async (t) => {
  const h = await startFromFile(t, { initialMode: 'closed' })
  // a good change beside a bad one: neither is applied
  h.rewrite({ allowlist: ['127.0.0.2/32'], logLevel: 'loud' })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 422)
  const body = await res.json() as { code: string, message: string }
  t.equal(body.code, 'GK_ERR_RELOAD_REFUSED')
  t.match(body.message, /GK_ERR_CONFIG/)
  t.match(body.message, /logLevel/)
  t.equal((await get(h.gk.publicUrl + '/', { from: '127.0.0.2' })).status, 503, 'the old allowlist is still in force')
  t.same(h.gk.config.allowlist, [])
  const entry = (await audit(h)).find((e) => e.action === 'reload.refused')
  t.ok(entry, 'audited as reload.refused')
  t.match(String(entry?.after?.error), /logLevel/)

  writeFileSync(h.path, 'listen: [unclosed')
  const broken = await h.admin('POST', '/v1/reload')
  t.equal(broken.status, 422)
  t.match((await broken.json() as { message: string }).message, /not valid YAML/)
})

t.test('a setting that needs a restart refuses the reload, naming it', async (t) => {
  const h = await startFromFile(t, { initialMode: 'closed' })
  h.rewrite({ allowlist: ['127.0.0.2/32'], store: { type: 'file', path: h.dir + '/other.json' }, workers: 2 })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 422)
  const body = await res.json() as { code: string, message: string, restartOnly: string[] }
  t.equal(body.code, 'GK_ERR_RELOAD_REFUSED')
  t.match(body.message, /store/)
  t.match(body.message, /workers/)
  t.match(body.message, /restart to apply/)
  t.same(body.restartOnly.sort(), ['store', 'workers'])
  t.equal((await get(h.gk.publicUrl + '/', { from: '127.0.0.2' })).status, 503, 'nothing was applied')
})

t.test('a viewer may not reload', async (t) => {
  const h = await startFromFile(t)
  const res = await adminClient(h.gk.adminUrl, VIEWER_TOKEN)('POST', '/v1/reload')
  t.equal(res.status, 403)
})

t.test('admin tokens change live', async (t) => {
  const h = await startFromFile(t)
  const admin = h.raw.admin as { tokens: Array<{ name: string }> }
  // the viewer's token is taken away
  h.rewrite({ admin: { ...admin, tokens: admin.tokens.filter((token) => token.name !== 'watcher') } })
  t.equal((await h.admin('POST', '/v1/reload')).status, 200)
  t.equal((await adminClient(h.gk.adminUrl, VIEWER_TOKEN)('GET', '/v1/state')).status, 401, 'the removed token no longer works')
  t.equal((await h.admin('GET', '/v1/state')).status, 200)
})

t.test('a reload changes the application nodes live: new requests go to the new node', async (t) => {
  const h = await startFromFile(t, { initialMode: 'open' })
  const other = createServer((_request, response) => { response.end('node b') })
  await new Promise<void>((resolve) => { other.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { other.close() })
  const port = (other.address() as AddressInfo).port
  t.not(await (await fetch(h.gk.publicUrl + '/')).text(), 'node b', 'before: the first upstream answers')
  h.rewrite({ upstream: { nodes: [{ name: 'b', url: `http://127.0.0.1:${port}` }] } })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200)
  t.same(((await res.json()) as { changed: string[] }).changed, ['upstream'], 'the nodes changed')
  t.equal(await (await fetch(h.gk.publicUrl + '/')).text(), 'node b', 'after: the new node answers')
  const nodes = await (await h.admin('GET', '/v1/nodes')).json() as { nodes: Array<{ name: string }> }
  t.same(nodes.nodes.map((node) => node.name), ['b'])
})
