import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { VIEWER_TOKEN, type Harness } from './helpers/harness.js'
import { startFromFile } from './helpers/reload.js'

t.test('gatekeeper reload prints what changed, or the refusal with a failing exit code', async (t) => {
  const h = await startFromFile(t)
  const { run } = cliFor(t, h as unknown as Harness)

  const same = await run(['reload'])
  t.equal(same.code, 0, same.stderr)
  t.match(same.stdout, /nothing changed/)

  h.rewrite({ allowlist: ['10.1.0.0/16'], accessLog: false })
  const changed = await run(['reload'])
  t.equal(changed.code, 0, changed.stderr)
  t.match(changed.stdout, /allowlist, accessLog changed/)

  const json = await run(['reload', '--json'])
  t.same(JSON.parse(json.stdout), { version: 2, changed: [] })

  h.rewrite({ shutdownGraceMs: 1234 })
  const refused = await run(['reload'])
  t.equal(refused.code, 1, 'a refusal exits 1')
  t.match(refused.stderr, /GK_ERR_RELOAD_REFUSED/)
  t.match(refused.stderr, /shutdownGraceMs differs from the running configuration and cannot change live: restart to apply/)

  const viewer = await run(['reload'], { GATEKEEPER_TOKEN: VIEWER_TOKEN })
  t.equal(viewer.code, 5, 'a viewer token is refused')

  const help = await run(['help', 'reload'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: gatekeeper reload/)
  t.match((await run(['help'])).stdout, /reload/)
})
