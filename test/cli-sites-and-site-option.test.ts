import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { startSitesHarness } from './helpers/sites.js'

t.test('gatekeeper sites lists the sites; --site acts on one; --force passes a closed dependency', async (t) => {
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['app1.test'], upstream: url, dependsOn: ['app2'] },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ])
  const { run } = cliFor(t, h)

  const closed = await run(['close', '--site', 'app2', '--reason', 'db split'])
  t.equal(closed.code, 0, closed.stderr)
  t.match(closed.stdout, /^mode:\s+closed$/m)
  t.equal((await run(['close', '--site', 'app1'])).code, 0)

  const sites = await run(['sites'])
  t.equal(sites.code, 0, sites.stderr)
  t.match(sites.stdout, /^SITE\s+MODE\s+VERSION\s+UNTIL\s+DEPENDS ON\s+REASON$/m)
  t.match(sites.stdout, /^app1\s+closed\s+1\s+app2$/m)
  t.match(sites.stdout, /^app2\s+closed\s+1\s+db split$/m)

  const refused = await run(['open', '--site', 'app1'])
  t.not(refused.code, 0, 'a closed dependency refuses the opening')
  t.match(refused.stderr, /GK_ERR_DEPENDENCY_CLOSED|depends on sites that are closed: app2/)
  const forced = await run(['open', '--site', 'app1', '--force'])
  t.equal(forced.code, 0, forced.stderr)
  const status = await run(['status', '--site', 'app1', '--json'])
  t.equal(status.code, 0, status.stderr)
  t.match(JSON.parse(status.stdout), { mode: 'open', version: 2 })

  const window = await run(['window', 'close', 'app1', 'app2', '--reason', 'db split', '--until', '2h', '--json'])
  t.equal(window.code, 0, window.stderr)
  const answer = JSON.parse(window.stdout) as { id: string, sites: Record<string, { mode: string }> }
  t.match(answer.sites, { app1: { mode: 'closed' }, app2: { mode: 'closed' } })
  const extended = await run(['window', 'extend', answer.id, '--until', '3h'])
  t.equal(extended.code, 0, extended.stderr)
  t.match(extended.stdout, new RegExp(`^window: ${answer.id.replace(/\./g, '\\.')}$`, 'm'))
  t.match(extended.stdout, /^app1\s+closed\s+\S+Z\s+4\s+db split$/m)
  t.match(extended.stdout, /^app2\s+closed\s+\S+Z\s+3\s+db split$/m)
  t.equal((await run(['window', 'show', answer.id])).code, 0)
  t.equal((await run(['window', 'close'])).code, 2, 'no site is a usage error')

  const old = await run(['status'])
  t.not(old.code, 0, 'without --site and no default site, the old call names the sites')
  t.match(old.stderr, /sites: app1, app2/)
  const bad = await run(['close', '--site', 'App 1'])
  t.equal(bad.code, 2, 'a bad site name is a usage error')
})
