import { spawn } from 'node:child_process'
import { request } from 'node:http'
import t from 'tap'
import { OPERATOR_TOKEN } from './helpers/harness.js'
import { CLI, cliFor } from './helpers/cli.js'
import { until } from './helpers/cluster.js'
import { heldUpstream } from './helpers/sites-cluster.js'
import { siteStateOf, startSitesHarness } from './helpers/sites.js'

/** A public GET for `host`, answered once its upstream lets it go. */
function publicGet (url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url + '/slow', { headers: { host } }, (res) => { res.resume(); res.on('end', () => { resolve(res.statusCode ?? 0) }) })
    req.on('error', reject)
    req.end()
  })
}

t.test('window close --wait drained waits for the window\'s sites alone, tells what is left, then confirms each site\'s version', async (t) => {
  const app2 = await heldUpstream(t)
  const app3 = await heldUpstream(t)
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['a.test'], upstream: url },
    { name: 'app2', hosts: ['b.test'], upstream: app2.url },
    { name: 'app3', hosts: ['c.test'], upstream: app3.url }
  ], { extra: { publicRequestCutoffMs: 600_000 } })
  t.teardown(() => { app2.release(); app3.release() })

  // one public request in flight on app2 (in the window) and one on app3 (not in it)
  const held = [publicGet(h.gk.publicUrl, 'b.test'), publicGet(h.gk.publicUrl, 'c.test')]
  await Promise.all([app2.arrivals(1), app3.arrivals(1)])

  const child = spawn(process.execPath, [CLI, 'window', 'close', 'app1', 'app2', '--reason', 'both', '--wait', 'drained', '--timeout', '60'], {
    env: { PATH: process.env.PATH ?? '', GATEKEEPER_URL: h.gk.adminUrl, GATEKEEPER_TOKEN: OPERATOR_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000
  })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<number | null>((resolve) => { child.on('close', resolve) })
  let exitedYet = false
  exited.then(() => { exitedYet = true }, () => {})

  await until('the CLI tells the one request left on the window\'s sites', async () => stderr.includes('1 of 1 instance applied the change; 1 public request in flight'))
  t.equal(siteStateOf(h.gk, 'app1').mode, 'closed')
  t.equal(siteStateOf(h.gk, 'app2').mode, 'closed')
  t.notOk(exitedYet, 'the CLI still waits while app2 has a public request in flight')
  t.notMatch(stderr, /2 public requests/, 'app3, not in the window, is not counted')

  app2.release()
  t.equal(await exited, 0, stderr)
  t.match(stdout, /^window: \S+/, 'the window\'s id is printed')
  t.match(stderr, /drained: applied on 1 instance \(version 1 of app1, version 1 of app2\)/)
  t.equal(siteStateOf(h.gk, 'app3').mode, 'open', 'app3 is untouched')
  app3.release()
  t.same(await Promise.all(held), [200, 200])
})

t.test('window extend --wait applied judges every site of the window; --wait with a bad word changes nothing', async (t) => {
  const h = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['a.test'], upstream: url },
    { name: 'app2', hosts: ['b.test'], upstream: url }
  ])
  const { run } = cliFor(t, h)

  const bad = await run(['window', 'close', 'app1', 'app2', '--wait', 'soon'])
  t.equal(bad.code, 2, 'a usage error')
  t.match(bad.stderr, /--wait must be "applied" or "drained", got "soon"/)
  t.equal(siteStateOf(h.gk, 'app1').mode, 'open', 'nothing was closed')

  const unknown = await run(['window', 'close', 'app1', 'app9', '--wait', 'applied'])
  t.not(unknown.code, 0, 'an unknown site fails the window')
  t.match(unknown.stderr, /app9/, 'and is named')
  t.equal(siteStateOf(h.gk, 'app1').mode, 'open', 'nothing was closed')

  const closed = await run(['window', 'close', 'app1', 'app2', '--until', '1h', '--json'])
  t.equal(closed.code, 0, closed.stderr)
  const id = (JSON.parse(closed.stdout) as { id: string }).id
  const extended = await run(['window', 'extend', id, '--until', '2h', '--wait', 'applied'])
  t.equal(extended.code, 0, extended.stderr)
  t.match(extended.stderr, /applied on 1 instance \(version 2 of app1, version 2 of app2\)/)
  t.equal(siteStateOf(h.gk, 'app2').version, 2)
})
