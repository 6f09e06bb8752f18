import t from 'tap'
import { firewallAllowlist } from '../src/firewall/follow-state.js'
import { initialState } from '../src/state/initial.js'

t.test('a dynamic entry limited to some sites opens no firewall port; one for every site does', async (t) => {
  const state = {
    ...initialState('closed', ''),
    allowlist: [
      { cidr: '10.0.0.1/32', label: 'app1 only', addedBy: 'ops', addedAt: '2026-01-01T00:00:00.000Z', sites: ['app1'] },
      { cidr: '10.0.0.2/32', label: 'everyone', addedBy: 'ops', addedAt: '2026-01-01T00:00:00.000Z' }
    ]
  }
  const { allowlist } = firewallAllowlist({ allowlist: [{ cidr: '10.9.0.0/16', label: 'static' }] }, state, Date.now())
  t.same(allowlist, ['10.9.0.0/16', '10.0.0.2/32'])
})
