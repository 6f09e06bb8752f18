import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { namedUpstream, startSitesHarness } from './helpers/sites.js'

t.test('--site on ramp, schedule, nodes, node and admission acts on that site alone', async (t) => {
  const a1 = await namedUpstream(t, 'a1')
  const h = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['main.test'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: { nodes: [{ name: 'a1', url: a1 }] } }
  ], { extra: { initialMode: 'closed' } })
  const { run } = cliFor(t, h)
  const versionOf = (site: string): number | undefined => h.gk.sites.get(site)?.runtime.current().version

  const started = await run(['ramp', 'start', '10%:1h,100%', '--site', 'app1'])
  t.equal(started.code, 0, started.stderr)
  t.equal(h.gk.sites.get('app1')?.runtime.current().mode, 'staged')
  t.equal(h.gk.sites.get('default')?.runtime.current().mode, 'closed', 'default is left as it was')
  const shown = await run(['ramp', 'show', '--site', 'app1', '--json'])
  t.equal(shown.code, 0, shown.stderr)
  t.match(JSON.parse(shown.stdout), { running: true, percent: 10 })
  t.equal((await run(['ramp', 'abort', '--site', 'app1', '--reason', 'not yet'])).code, 0)
  t.equal(h.gk.sites.get('app1')?.runtime.current().mode, 'closed')
  const watched = await run(['ramp', 'start', '--site', 'app1', '--watch'])
  t.equal(watched.code, 2, 'a usage error: --watch follows default only')

  const closeAt = new Date(Date.now() + 3600_000).toISOString()
  const created = await run(['schedule', 'create', '--close-at', closeAt, '--site', 'app1'])
  t.equal(created.code, 0, created.stderr)
  t.match(JSON.parse((await run(['schedule', 'show', '--site', 'app1', '--json'])).stdout), { closeAt, phase: 'pending' })
  t.notMatch((await run(['schedule', 'show'])).stdout, closeAt, 'default has none')
  t.equal((await run(['schedule', 'cancel', '--site', 'app1'])).code, 0)

  const nodes = await run(['nodes', '--site', 'app1'])
  t.equal(nodes.code, 0, nodes.stderr)
  t.match(nodes.stdout, /^a1\s/m)
  const before = versionOf('default')
  const out = await run(['node', 'a1', 'out', '--site', 'app1', '--reason', 'patching'])
  t.equal(out.code, 0, out.stderr)
  t.match(h.gk.sites.get('app1')?.runtime.current().state.nodes, { a1: { state: 'out' } })
  t.equal(versionOf('default'), before, 'default is not written')

  const admission = await run(['admission', '--ip', '192.0.2.7', '--site', 'app1', '--json'])
  t.equal(admission.code, 0, admission.stderr)
  t.match(JSON.parse(admission.stdout), { admitted: false, mode: 'closed' })

  const unknown = await run(['nodes', '--site', 'app9'])
  t.not(unknown.code, 0)
  t.match(unknown.stderr, /app9/)
})
