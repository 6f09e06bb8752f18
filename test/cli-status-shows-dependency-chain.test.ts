import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { startSitesHarness } from './helpers/sites.js'

t.test('gatekeeper status and sites show each site\'s dependencies and which block opening', async (t) => {
  const h = await startSitesHarness(t, (url) => [
    { name: 'default', hosts: ['www.test'], upstream: url },
    { name: 'app1', hosts: ['app1.test'], upstream: url, dependsOn: ['app2', 'default'] },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ])
  const { run } = cliFor(t, h)

  t.equal((await run(['close', '--site', 'app2', '--reason', 'db split'])).code, 0)

  const sites = await run(['sites'])
  t.equal(sites.code, 0, sites.stderr)
  t.match(sites.stdout, /^app1 → depends on app2 \(closed\), default \(open\)$/m)
  t.notMatch(sites.stdout, /^app2 →/m, 'a site without dependencies has no chain line')

  const status = await run(['status'])
  t.equal(status.code, 0, status.stderr)
  t.match(status.stdout, /^app1 → depends on app2 \(closed\), default \(open\)$/m)

  const one = await run(['status', '--site', 'app1'])
  t.equal(one.code, 0, one.stderr)
  t.match(one.stdout, /^depends on:\s+app2 \(closed\), default \(open\)$/m)
  t.match(one.stdout, /^blocks opening:\s+app2 \(open it first, or open with --force\)$/m)

  t.equal((await run(['open', '--site', 'app2'])).code, 0)
  const free = await run(['status', '--site', 'app1'])
  t.match(free.stdout, /^blocks opening:\s+nothing$/m)
  const plain = await run(['status', '--site', 'app2'])
  t.notMatch(plain.stdout, /depends on|blocks opening/, 'a site without dependencies shows none')
})
