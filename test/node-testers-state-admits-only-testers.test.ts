import t from 'tap'
import { get } from './helpers/harness.js'
import { setNode, startNode, startNodesGate } from './helpers/nodes.js'

t.test('a testers node: 1 000 public addresses never reach it, allowlisted and bypass-token testers do', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }], {},
    { allowlist: [{ cidr: '127.0.0.200/32', label: 'tester desk' }] })
  t.equal(h.gk.runtime.current().mode, 'open', 'the site is open')
  t.equal((await setNode(h, 'stubing', 'testers', '2.4.1 under test')).status, 200)

  const { token } = await (await h.admin('POST', '/v1/tokens', { name: 'sandra', ttl: '8h' })).json() as { token: string }

  const addresses: string[] = []
  for (let i = 0; i < 1000; i++) addresses.push(`127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`)
  const wrong: string[] = []
  let next = 0
  async function worker (): Promise<void> {
    while (next < addresses.length) {
      const from = addresses[next++] as string
      const answer = await get(h.publicUrl + '/page', { from })
      if (answer.status !== 200 || answer.body !== 'walton') wrong.push(`${from}: ${answer.status} ${answer.body}`)
    }
  }
  await Promise.all(Array.from({ length: 10 }, worker))
  t.same(wrong, [], 'every public request went to walton')
  t.equal(stubing.served, 0, 'stubing served no public request')

  for (let i = 0; i < 5; i++) {
    const allowlisted = await get(h.publicUrl + '/page', { from: '127.0.0.200' })
    t.equal(allowlisted.body, 'stubing', 'an allowlisted tester reaches the testers node')
    const bypass = await get(h.publicUrl + '/page', { from: '127.1.9.9', headers: { 'x-gatekeeper-bypass': token } })
    t.equal(bypass.body, 'stubing', 'a bypass-token tester reaches the testers node')
  }

  // with walton out too, the public gets the application-unavailable answer, not the maintenance page
  t.equal((await setNode(h, 'walton', 'out')).status, 200)
  const none = await get(h.publicUrl + '/page', { from: '127.1.9.10', headers: { accept: 'application/json' } })
  t.equal(none.status, 502)
  t.equal(none.headers['retry-after'], '5')
  t.match(JSON.parse(none.body), { code: 'GK_UPSTREAM_UNAVAILABLE' })
  t.equal((await get(h.publicUrl + '/page', { from: '127.0.0.200' })).body, 'stubing', 'testers still reach stubing')
})
