import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { get, OPERATOR_TOKEN } from './helpers/harness.js'
import { startSitesHarness } from './helpers/sites.js'

t.test('allow add --site limits an entry to those sites; allow list shows them', async (t) => {
  const { gk } = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['one.test'], upstream: url },
    { name: 'app2', hosts: ['two.test'], upstream: url },
    { name: 'app3', hosts: ['three.test'], upstream: url }
  ])
  const { run } = cliFor(t, null, { GATEKEEPER_URL: gk.adminUrl, GATEKEEPER_TOKEN: OPERATOR_TOKEN })
  for (const site of ['app1', 'app2', 'app3']) t.equal((await run(['close', '--site', site])).code, 0)

  const added = await run(['allow', 'add', '127.0.0.2/32', '--label', 'ana', '--site', 'app1', '--site', 'app2'])
  t.equal(added.code, 0, added.stderr)
  t.match(added.stdout, /^allowed 127\.0\.0\.2\/32 \(ana\) on app1, app2, no expiry/m, 'the sites are printed')
  const status = async (host: string): Promise<number> => (await get(gk.publicUrl + '/', { headers: { host }, from: '127.0.0.2' })).status
  t.equal(await status('one.test'), 200)
  t.equal(await status('two.test'), 200)
  t.equal(await status('three.test'), 503, 'not on a site it does not name')

  t.equal((await run(['allow', 'add', '127.0.0.3/32', '--label', 'bo'])).code, 0)
  const list = await run(['allow', 'list'])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^127\.0\.0\.2\/32\s+ana\s.*\sapp1, app2\s*$/m, 'the list shows the sites')
  t.match(list.stdout, /^127\.0\.0\.3\/32\s+bo\s.*\s\(every site\)\s*$/m)

  const bad = await run(['allow', 'add', '127.0.0.4/32', '--site', 'app9'])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /400 GK_ERR_BAD_FIELD.*"app9" is not a site \(sites: app1, app2, app3\)/)
  const usage = await run(['allow', 'add', '127.0.0.4/32', '--site', 'App 9'])
  t.equal(usage.code, 2, 'a name that cannot be a site is a usage error')
})
