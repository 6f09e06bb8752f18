import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { renderRuleset } from '../src/firewall/render.js'
import { parseFirewallConfig } from '../src/firewall/config.js'
import { rawConfig, TEST_ENV } from './helpers/harness.js'

const sites = (names: string[]): Array<Record<string, unknown>> => names.map((name, i) => ({ name, hosts: [`h${i}.test`], upstream: 'http://127.0.0.1:9' }))

function configWith (siteNames: string[] | null, ports: unknown[]): () => unknown {
  const raw = rawConfig('/tmp/gk-unused', 'http://127.0.0.1:9', { firewall: { enabled: true, apply: 'direct', ports } })
  if (siteNames !== null) {
    delete raw.upstream
    raw.sites = sites(siteNames)
  }
  return () => parseConfig(raw, TEST_ENV)
}

t.test('a port\'s site must be a configured site, and the error names the key and the sites', async (t) => {
  t.throws(configWith(['app1', 'app2'], [{ port: 1, site: 'app1' }, { port: 2, site: 'app9' }]),
    { code: 'GK_ERR_CONFIG', message: /firewall\.ports\[1\]\.site: "app9" is not a site \(sites: app1, app2\)/ })
  t.throws(configWith(null, [{ port: 1, site: 'app1' }]),
    { code: 'GK_ERR_CONFIG', message: /firewall\.ports\[0\]\.site: "app1" is not a site \(without sites:, the one site is default\)/ })
  t.throws(configWith(['app1'], [{ port: 1, site: 7 }]),
    { code: 'GK_ERR_CONFIG', message: /firewall\.ports\[0\]\.site: must be a site name, got 7/ })
  t.throws(configWith(['app1', 'app2'], [{ port: 1, site: 'app1' }, { port: 2 }]),
    { code: 'GK_ERR_CONFIG', message: /firewall\.ports\[1\]\.site: is required with sites: and no site named default: name the site whose state the port follows \(sites: app1, app2\)/ })
})

t.test('a port without a site follows default; default may be named, with or without sites', async (t) => {
  t.doesNotThrow(configWith(null, [{ port: 1, site: 'default' }, { port: 2 }]))
  t.doesNotThrow(configWith(['default', 'app1'], [{ port: 1, site: 'app1' }, { port: 2 }, { port: 3, site: 'default' }]))
  t.doesNotThrow(configWith(['app1', 'app2'], [{ port: 1, site: 'app1' }, { port: 2, site: 'app2' }]), 'no default site is fine when every port names one')
})

t.test('the rules close a site\'s ports by its own mode; a site whose mode is not known is closed', async (t) => {
  const config = parseFirewallConfig({
    apply: 'direct',
    ports: [{ port: 1, whenClosed: 'drop' }, { port: 2, site: 'app1', whenClosed: 'drop' }, { port: 3, site: 'app2', whenClosed: 'drop' }]
  }, 'firewall', ['default', 'app1', 'app2'])
  if (config === null) throw new Error('no config')
  const rules = renderRuleset(config, { mode: 'open', allowlist: [], sites: { app1: 'closed', app2: 'open' } }).v4
  t.notMatch(rules, /--dport 1 /, 'default is open: its port is left alone')
  t.match(rules, /--dport 2 -j DROP/, 'app1 is closed: its port is dropped')
  t.notMatch(rules, /--dport 3 /, 'app2 is open')
  const unknown = renderRuleset(config, { mode: 'open', allowlist: [] }).v4
  t.match(unknown, /--dport 2 -j DROP/, 'without app1\'s mode its port fails closed')
  t.match(unknown, /--dport 3 -j DROP/, 'without app2\'s mode its port fails closed')
})
