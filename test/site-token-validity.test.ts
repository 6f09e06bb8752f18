import t from 'tap'
import { bypassValid, isTester, type RequestFacts } from '../src/gate/decide.js'
import { tokenValidOn } from '../src/gate/site-access.js'
import { compileGateConfig, compileSnapshot } from '../src/gate/snapshot.js'
import { sha256Hex } from '../src/gate/token.js'
import { initialState } from '../src/state/initial.js'
import type { BypassToken, State } from '../src/state/types.js'

const GLOBAL = 'gkb_' + 'a'.repeat(43)
const LIMITED = 'gkb_' + 'b'.repeat(43)
const NOWHERE = 'gkb_' + 'c'.repeat(43)
const later = new Date(Date.now() + 3_600_000).toISOString()

function token (name: string, secret: string, sites?: string[]): BypassToken {
  return { name, sha256: sha256Hex(secret), expiresAt: later, createdBy: 'ops', createdAt: later, ...(sites === undefined ? {} : { sites }) }
}

t.test('tokenValidOn: no sites is every site; a list is those sites alone; an empty list is none', async (t) => {
  t.ok(tokenValidOn({}, 'app1'))
  t.ok(tokenValidOn({ sites: undefined }, 'default'))
  t.ok(tokenValidOn({ sites: ['app1', 'app2'] }, 'app2'))
  t.notOk(tokenValidOn({ sites: ['app1'] }, 'app2'))
  t.notOk(tokenValidOn({ sites: ['app1'] }, 'App1'), 'names compare exactly')
  t.notOk(tokenValidOn({ sites: [] }, 'app1'))
})

t.test('a site\'s snapshot takes its testers from the top-level state, keeping the tokens valid on it', async (t) => {
  const top: State = {
    ...initialState('closed', ''),
    tokens: [token('global', GLOBAL), token('limited', LIMITED, ['app1']), token('none', NOWHERE, [])],
    allowlist: [{ cidr: '127.0.0.3/32', label: 'tester', addedBy: 'ops', addedAt: later }]
  }
  const own = initialState('closed', '')
  const config = compileGateConfig([], [])
  const facts = (ip: string, bypassToken?: string): RequestFacts => ({ method: 'GET', url: '/', clientIp: ip, bypassToken, stickyCookie: undefined, stagedKey: undefined, upgrade: false })
  const now = Date.now()
  const app1 = compileSnapshot(own, config, { site: 'app1', access: top })
  const app2 = compileSnapshot(own, config, { site: 'app2', access: top })
  t.ok(bypassValid(app1, GLOBAL, now) && bypassValid(app2, GLOBAL, now), 'a global token passes both')
  t.ok(bypassValid(app1, LIMITED, now), 'a limited token passes its site')
  t.notOk(bypassValid(app2, LIMITED, now), 'and no other')
  t.notOk(bypassValid(app1, NOWHERE, now) || bypassValid(app2, NOWHERE, now))
  t.ok(isTester(app1, facts('127.0.0.3'), now) && isTester(app2, facts('127.0.0.3'), now), 'the dynamic allowlist reaches both')
  t.notOk(isTester(app2, facts('127.0.0.4', LIMITED), now))
  t.equal(app2.state, own, 'the mode stays the site\'s own')
  // the top-level gate itself is `default`: a token limited to other sites does not pass it
  const main = compileSnapshot(top, config)
  t.ok(bypassValid(main, GLOBAL, now))
  t.notOk(bypassValid(main, LIMITED, now))
})
