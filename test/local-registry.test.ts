import t from 'tap'
import { createLocalRegistry, type InstanceSnapshot } from '../src/store/instances.js'

function self (version: number, inFlight: number): InstanceSnapshot {
  return { id: 'only', host: 'here', pid: process.pid, version, inFlight, webSockets: 0, startedAt: new Date().toISOString() }
}

t.test('the local registry lists this process alone, once started', async (t) => {
  const registry = createLocalRegistry()
  t.teardown(() => registry.close())
  t.same(await registry.list(), [])
  registry.start(() => self(4, 0))
  const [only] = await registry.list()
  t.match(only, { id: 'only', version: 4, pid: process.pid })
  t.ok(Date.parse(only?.seenAt ?? '') > 0)
  await registry.close()
  t.same(await registry.list(), [], 'gone once closed')
})

t.test('waitFor on the local registry sees a drain end, and times out while it has not', async (t) => {
  const registry = createLocalRegistry(20)
  t.teardown(() => registry.close())
  let inFlight = 2
  registry.start(() => self(1, inFlight))

  const stuck = await registry.waitFor((list) => list.every((i) => i.inFlight === 0), 100)
  t.notOk(stuck.ok)
  t.equal(stuck.instances[0]?.inFlight, 2)

  const seen: number[] = []
  const drained = registry.waitFor((list) => list.every((i) => i.inFlight === 0), 5000, (list) => seen.push(list[0]?.inFlight ?? -1))
  inFlight = 1
  await registry.reportNow()
  setTimeout(() => { inFlight = 0 }, 50)
  const done = await drained
  t.ok(done.ok)
  t.equal(seen.at(-1), 0, 'progress ends at zero')
  t.ok(seen.length >= 2, 'and showed the requests still in flight before')
})
