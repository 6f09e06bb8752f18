import t from 'tap'
import { adminClient, get, rawConfig, tempDir } from './helpers/harness.js'
import { startNode, until } from './helpers/nodes.js'
import { startProcess, writeConfig } from './helpers/process.js'

interface Listed { nodes: Array<{ name: string, inFlight: number, requests: number, errors: number }> }

t.test('with workers: 2, GET /v1/nodes sums every worker\'s figures and ?wait=drained waits for every worker\'s requests', async (t) => {
  const stubing = await startNode(t, 'stubing')
  const walton = await startNode(t, 'walton')
  const dir = tempDir(t)
  const raw = rawConfig(dir, '', { workers: 2, initialMode: 'open', logLevel: 'info' })
  raw.upstream = { nodes: [{ name: 'stubing', url: stubing.url }, { name: 'walton', url: walton.url }] }
  const gk = await startProcess(t, writeConfig(dir, raw), 30_000)
  const admin = adminClient(gk.adminUrl)
  const nodeOf = async (name: string): Promise<Listed['nodes'][number] | undefined> =>
    ((await (await admin('GET', '/v1/nodes')).json()) as Listed).nodes.find((node) => node.name === name)

  // 20 requests, each on a new connection: the cluster hands them to both workers in turn
  for (let i = 0; i < 20; i++) t.equal((await get(gk.publicUrl + '/page', { from: '127.0.0.3' })).status, 200)
  t.equal(stubing.served + walton.served, 20)
  t.ok(await until(async () => {
    const [s, w] = [await nodeOf('stubing'), await nodeOf('walton')]
    return s?.requests === stubing.served && w?.requests === walton.served
  }), 'each node\'s requests are the sum over the workers')
  const workers = [...gk.output().matchAll(/"worker":(\d+)[^\n]*"msg":"access"/g)].map((m) => m[1])
  t.equal(new Set(workers).size, 2, 'both workers served some of them')

  // every request in flight to walton, from both workers
  const etag = (): Promise<string> => admin('GET', '/v1/state').then((res) => res.headers.get('etag') ?? '')
  t.equal((await admin('POST', '/v1/nodes/stubing', { state: 'out', reason: 'test' }, { 'if-match': await etag() })).status, 200)
  const held = Array.from({ length: 6 }, async () => await get(gk.publicUrl + '/hold', { from: '127.0.0.3' }))
  t.ok(await until(() => walton.held === 6), 'six requests held on walton')
  t.ok(await until(async () => (await nodeOf('walton'))?.inFlight === 6), 'GET /v1/nodes shows the six in flight, over both workers')

  const draining = admin('POST', '/v1/nodes/walton?wait=drained&timeout=30', { state: 'drain', reason: 'upgrade' }, { 'if-match': await etag() })
  let answered = false
  draining.then(() => { answered = true }, () => {})
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.notOk(answered, 'the wait is still waiting on the held requests')
  walton.release()
  const done = await draining
  t.equal(done.status, 200)
  t.match(await done.json(), { confirmation: { wait: 'drained', node: 'walton', inFlight: 0 } })
  for (const answer of await Promise.all(held)) t.equal(answer.body, 'walton', 'the held requests finished on walton')

  // the figures stay summed: nothing in flight, every request counted
  t.ok(await until(async () => {
    const w = await nodeOf('walton')
    return w?.inFlight === 0 && w.requests === walton.served
  }), 'walton: none in flight, all its requests counted')
})
