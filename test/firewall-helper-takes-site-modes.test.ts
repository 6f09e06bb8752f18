import t from 'tap'
import { readHelperRequest } from '../src/firewall/helper-protocol.js'

t.test('the helper takes each site\'s mode, checked, beside the top-level one', async (t) => {
  t.same(readHelperRequest(JSON.stringify({ mode: 'open', allowlist: ['10.0.0.1'], sites: { app1: 'closed', app2: 'open' } })),
    { ok: true, input: { mode: 'open', allowlist: ['10.0.0.1/32'], sites: { app1: 'closed', app2: 'open' } } })
  t.same(readHelperRequest(JSON.stringify({ mode: 'open', allowlist: [] })), { ok: true, input: { mode: 'open', allowlist: [] } }, 'sites may be left out')
})

t.test('a bad site or mode is refused, and the ports fail closed into the top-level mode with every site closed', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [['app1'], /sites: must be a JSON object \{site: mode\}/],
    [{ 'App 1': 'open' }, /"App 1" is not a site name/],
    [{ app1: 'ajar' }, /sites\.app1: must be one of open, closed, staged, read-only, got "ajar"/],
    [Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`s${i}`, 'open'])), /names 257 sites; at most 256/]
  ]
  for (const [sites, message] of cases) {
    const request = readHelperRequest(JSON.stringify({ mode: 'open', allowlist: [], sites }))
    t.match(request, { ok: false, error: message, mode: 'open' }, String(message))
    t.notOk('sites' in request, 'no site keeps a mode: each of their ports is closed')
  }
  const allowlistRefused = readHelperRequest(JSON.stringify({ mode: 'open', allowlist: ['10.0.0.1/8'], sites: { app1: 'open' } }))
  t.match(allowlistRefused, { ok: false, error: /host bits/, mode: 'open', sites: { app1: 'open' } }, 'a refused allowlist keeps the sites\' modes to fail closed into')
})
