import t from 'tap'
import { VIEWER_TOKEN, startHarness } from './helpers/harness.js'

interface Listed { id: string, host: string, pid: number, version: number, inFlight: number, webSockets: number, startedAt: string, seenAt: string }

t.test('on the file store, GET /v1/instances lists this instance alone, and wait=applied confirms on it', async (t) => {
  const h = await startHarness(t)
  const viewer = await fetch(h.gk.adminUrl + '/v1/instances', { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })
  t.equal(viewer.status, 200, 'a viewer may list the instances')
  const body = await viewer.json() as { version: number, instances: Listed[], silent: Listed[] }
  t.equal(body.version, h.gk.runtime.current().version)
  t.same(body.silent, [])
  t.equal(body.instances.length, 1)
  t.match(body.instances[0], { id: h.gk.instanceId, pid: process.pid, version: body.version, inFlight: 0, webSockets: 0 })
  t.ok(Date.parse(body.instances[0]?.startedAt ?? '') > 0 && Date.parse(body.instances[0]?.seenAt ?? '') > 0, 'startedAt and seenAt are times')
  t.match(h.gk.instanceId, new RegExp(`:127\\.0\\.0\\.1:${new URL(h.gk.publicUrl).port}$`), 'the id names the host and the public listener')

  const closed = await h.admin('POST', '/v1/close?wait=applied&timeout=5')
  t.equal(closed.status, 200)
  const confirmed = await closed.json() as { version: number, confirmation: { wait: string, version: number, instances: Listed[] } }
  t.match(confirmed.confirmation, { wait: 'applied', version: confirmed.version })
  t.same(confirmed.confirmation.instances.map((i) => [i.id, i.version]), [[h.gk.instanceId, confirmed.version]])

  const bad = await h.admin('POST', '/v1/open?wait=everywhere')
  t.equal(bad.status, 400, 'a bad wait is refused')
  t.equal(h.gk.runtime.current().mode, 'closed', 'before the change is made')
})
