import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { startSitesHarness } from './helpers/sites.js'

t.test('close --site NAME --wait drained waits on that site and says so, with no site named default', async (t) => {
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['app1.test'], upstream: url },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ])
  const { run } = cliFor(t, h)

  const closed = await run(['close', '--site', 'app1', '--reason', 'one', '--wait', 'drained', '--timeout', '30'])
  t.equal(closed.code, 0, closed.stderr)
  t.match(closed.stderr + closed.stdout, /drained: applied on 1 instance \(version 1 of app1\)/)
  const json = await run(['stage', '25', '--site', 'app2', '--wait', 'applied', '--json'])
  t.equal(json.code, 0, json.stderr)
  t.match(JSON.parse(json.stdout), { mode: 'staged', confirmation: { wait: 'applied', site: 'app2', version: 1, instances: [{ sites: { app2: { version: 1 } } }] } })
})
