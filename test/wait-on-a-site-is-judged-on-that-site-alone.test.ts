import t from 'tap'
import { createConfirm, isConfirmed } from '../src/admin/confirm.js'
import { createLocalRegistry, type InstanceReport } from '../src/store/instances.js'

const seen = { host: 'h', pid: 1, startedAt: '2026-11-27T00:00:00.000Z', seenAt: '2026-11-27T00:00:01.000Z' }

function instance (id: string, sites?: InstanceReport['sites']): InstanceReport {
  return { id, version: 3, inFlight: 0, webSockets: 0, ...seen, ...(sites === undefined ? {} : { sites }) }
}

t.test('a drain of one site does not wait for another site\'s requests', async (t) => {
  const a = instance('a', { app1: { version: 5, inFlight: 0, webSockets: 0 }, app2: { version: 2, inFlight: 4, webSockets: 1 } })
  t.ok(isConfirmed('drained', [{ site: 'app1', version: 5 }], 'a', [a], []))
  t.notOk(isConfirmed('drained', [{ site: 'app2', version: 2 }], 'a', [a], []), 'app2 still has its own requests')
  t.ok(isConfirmed('applied', [{ site: 'app2', version: 2 }], 'a', [a], []), 'applied does not wait for them')
  t.notOk(isConfirmed('drained', [{ site: 'app1', version: 5 }, { site: 'app2', version: 2 }], 'a', [a], []), 'a window waits for every site of it')
})

t.test('an instance that reports nothing for the site is waited for: it may still serve the old state', async (t) => {
  const current = instance('a', { app1: { version: 5, inFlight: 0, webSockets: 0 } })
  const older = instance('b')
  t.notOk(isConfirmed('applied', [{ site: 'app1', version: 5 }], 'a', [current, older], []))
  t.ok(isConfirmed('applied', [{ site: 'default', version: 3 }], 'a', [current, older], []), 'default is judged on the top-level figures, which every instance reports')
  t.ok(isConfirmed('applied', [{ version: 3 }], 'a', [current, older], []))
})

t.test('a wait on a site that runs out names the site and what is still open there', async (t) => {
  const registry = createLocalRegistry(20)
  registry.start(() => ({ id: 'solo', host: 'h', pid: 1, startedAt: seen.startedAt, version: 3, inFlight: 0, webSockets: 0, sites: { app1: { version: 5, inFlight: 2, webSockets: 0 }, app2: { version: 1, inFlight: 0, webSockets: 0 } } }))
  const confirm = createConfirm(registry, () => 'solo')
  const err = await confirm({ wait: 'drained', timeoutMs: 1000 }, [{ site: 'app1', version: 5 }, { site: 'app2', version: 2 }]).then(() => null, (e: unknown) => e as Error & { code: string })
  t.equal(err?.code, 'GK_ERR_TIMEOUT')
  t.equal(err?.message, 'the change is made (version 5 of app1, 2 of app2), but not every instance had applied it and drained within 1 s; still waiting on solo (app1: 2 public requests and 0 public websockets still open; app2: at version 1)')
  const done = await confirm({ wait: 'applied', timeoutMs: 1000 }, [{ site: 'app1', version: 5 }])
  t.match(done, { wait: 'applied', site: 'app1', version: 5, versions: { app1: 5 }, instances: [{ id: 'solo', sites: { app1: { version: 5 } } }] })
})
