import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { startSitesHarness } from './helpers/sites.js'

t.test('--site on audit shows that site\'s entries only; an unknown site is named with the known ones', async (t) => {
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['app1.test'], upstream: url },
    { name: 'app2', hosts: ['app2.test'], upstream: url }
  ])
  const { run } = cliFor(t, h)

  t.equal((await run(['close', '--site', 'app1', '--reason', 'one'])).code, 0)
  t.equal((await run(['close', '--site', 'app2', '--reason', 'two'])).code, 0)
  t.equal((await run(['read-only', '--site', 'app2', '--reason', 'two ro'])).code, 0)

  const all = await run(['audit', '--json'])
  t.equal(all.code, 0, all.stderr)
  const every = JSON.parse(all.stdout) as Array<{ site: string, action: string }>
  t.ok(every.some((entry) => entry.site === 'app1'), 'without --site, every site\'s entries')

  const two = await run(['audit', '--site', 'app2', '--json'])
  t.equal(two.code, 0, two.stderr)
  const entries = JSON.parse(two.stdout) as Array<{ site: string, action: string }>
  t.same(entries, every.filter((entry) => entry.site === 'app2'), 'the same entries as app2\'s of the merged log')
  t.ok(entries.length >= 2)
  t.ok(entries.every((entry) => entry.site === 'app2'), 'only app2\'s entries')
  const limited = await run(['audit', '--site', 'app2', '--limit', '1', '--json'])
  t.equal((JSON.parse(limited.stdout) as unknown[]).length, 1)

  for (const args of [['audit'], ['status'], ['close'], ['open'], ['read-only'], ['stage', '10']]) {
    const answer = await run([...args, '--site', 'nope'])
    t.not(answer.code, 0, `${args[0]} --site nope fails`)
    t.match(answer.stderr, /no site "nope" \(sites: app1, app2\)/, `${args[0]} names the known sites`)
  }
  const states = await run(['sites', '--json'])
  t.match(JSON.parse(states.stdout), [{ name: 'app1', mode: 'closed' }, { name: 'app2', mode: 'read-only' }], 'the unknown site changed nothing')
})
