import t from 'tap'
import { get } from './helpers/harness.js'
import { setNode, startNode, startNodesGate, until } from './helpers/nodes.js'

t.test('drain: requests in flight and sessions finish on the node, new sessions go elsewhere, and ?wait=drained waits for them', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const h = await startNodesGate(t, [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }], { affinity: { cookie: 'JSESSIONID' } })

  // a session on walton
  let cookie = ''
  for (let i = 0; i < 4 && cookie === ''; i++) {
    const login = await get(h.publicUrl + '/login')
    if (login.body === 'walton') cookie = String(login.headers['set-cookie']?.[0] ?? '').split(';')[0] as string
  }
  t.match(cookie, /^JSESSIONID=walton-/)

  // two requests of that session in flight on walton
  const held = [get(h.publicUrl + '/hold', { headers: { cookie } }), get(h.publicUrl + '/hold', { headers: { cookie } })]
  t.ok(await until(() => walton.held === 2), 'two requests held on walton')

  const draining = setNode(h, 'walton', 'drain', 'upgrade', '?wait=drained&timeout=30')
  t.ok(await until(() => h.gk.runtime.current().state.nodes.walton?.state === 'drain'), 'walton is draining')
  const listed = await (await h.admin('GET', '/v1/nodes')).json() as { nodes: Array<{ name: string, state: string, inFlight: number }> }
  t.match(listed.nodes.find((n) => n.name === 'walton'), { state: 'drain', inFlight: 2 }, 'the in-flight count is shown')

  for (let i = 0; i < 6; i++) t.equal((await get(h.publicUrl + '/page')).body, 'stubing', 'a new session goes to stubing')
  for (let i = 0; i < 3; i++) t.equal((await get(h.publicUrl + '/page', { headers: { cookie } })).body, 'walton', 'the session stays on walton')

  let answered = false
  draining.then(() => { answered = true }, () => {})
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.notOk(answered, 'the wait is still waiting on the held requests')
  walton.release()
  const done = await draining
  t.equal(done.status, 200)
  t.match(await done.json(), { node: { name: 'walton', state: 'drain', inFlight: 0 }, confirmation: { wait: 'drained', node: 'walton', inFlight: 0 } })
  for (const answer of await Promise.all(held)) t.equal(answer.body, 'walton', 'the held requests finished on walton')
})

t.test('?wait=drained times out with a 504 naming what is left; the change stands', async (t) => {
  const walton = await startNode(t, 'walton')
  const stubing = await startNode(t, 'stubing')
  const h = await startNodesGate(t, [{ name: 'walton', url: walton.url }, { name: 'stubing', url: stubing.url }])
  t.equal((await get(h.publicUrl + '/page')).body, 'stubing', 'the first request went to stubing (by name)')
  const held = get(h.publicUrl + '/hold')
  t.ok(await until(() => walton.held === 1), 'the next is held on walton')
  const res = await setNode(h, 'walton', 'out', 'upgrade', '?wait=drained&timeout=1')
  t.equal(res.status, 504)
  t.match(await res.json(), { code: 'GK_ERR_TIMEOUT', message: /walton still has 1 request in flight/, node: 'walton', inFlight: 1 })
  t.equal(h.gk.runtime.current().state.nodes.walton?.state, 'out', 'the change is made')
  walton.release()
  t.equal((await held).body, 'walton')

  const bad = await setNode(h, 'stubing', 'testers', '', '?wait=drained')
  t.equal(bad.status, 400, 'wait=drained is for drain and out')
})
