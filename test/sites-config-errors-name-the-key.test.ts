import t from 'tap'
import { parseConfig } from '../src/config/config.js'
import { rawConfig, TEST_ENV } from './helpers/harness.js'

function parse (sites: unknown, extra: Record<string, unknown> = {}): ReturnType<typeof parseConfig> {
  const raw = rawConfig('/tmp/unused', '', extra)
  delete raw.upstream
  raw.sites = sites
  return parseConfig(raw, TEST_ENV)
}

const app1 = { name: 'app1', hosts: ['portal.example.edu'], upstream: 'http://10.0.0.11:8080', dependsOn: ['app2'], pages: 'maintenance-pages/app1' }
const app2 = { name: 'app2', hosts: ['api.example.edu'], paths: ['/api/*'], upstream: { nodes: [{ name: 'a', url: 'http://10.0.0.21:8080' }] }, allowlist: ['10.9.0.0/16'] }

t.test('the contract example parses', async (t) => {
  const config = parse([app1, app2])
  const sites = config.sites ?? []
  t.same(sites.map((s) => s.name), ['app1', 'app2'])
  t.same(sites[0]?.hosts, ['portal.example.edu'])
  t.same(sites[0]?.dependsOn, ['app2'])
  t.equal(sites[0]?.pagesDir, 'maintenance-pages/app1')
  t.same(sites[1]?.paths, ['/api'])
  t.same(sites[1]?.allowlist, [{ cidr: '10.9.0.0/16', label: '' }])
  t.equal(sites[1]?.nodes.nodes[0]?.url.origin, 'http://10.0.0.21:8080')
  t.equal(config.upstream.origin, 'http://10.0.0.11:8080', 'the process-wide upstream is the first site\'s when there is no default')
  const withDefault = parse([app1, { ...app2, dependsOn: [] }, { name: 'default', hosts: ['*.example.org'], upstream: 'http://10.0.0.31:80' }])
  t.equal(withDefault.upstream.origin, 'http://10.0.0.31', 'and the default site\'s when there is one')
  t.same(withDefault.sites?.[2]?.wildcards, ['example.org'])
})

t.test('without sites the configuration has no sites key at all', async (t) => {
  const config = parseConfig(rawConfig('/tmp/unused', 'http://127.0.0.1:3000'), TEST_ENV)
  t.notOk('sites' in config)
})

const cases: Array<[string, unknown, RegExp, Record<string, unknown>?]> = [
  ['a list', { app1 }, /^invalid configuration: sites: must be a list/],
  ['at least one site', [], /^invalid configuration: sites: must list at least one entry/],
  ['a bad name', [{ ...app1, name: 'App_1', dependsOn: [] }], /^invalid configuration: sites\[0\]\.name: must be lower-case/],
  ['a name used twice', [{ ...app1, dependsOn: [] }, { ...app2, name: 'app1' }], /^invalid configuration: sites\[1\]\.name: "app1" is already the name of sites\[0\]/],
  ['an unknown key', [{ ...app1, dependsOn: [], upstreams: 'x' }], /^invalid configuration: sites\[0\]\.upstreams: is not a known setting/],
  ['hosts', [{ ...app1, dependsOn: [], hosts: [] }], /^invalid configuration: sites\[0\]\.hosts: must list at least one entry/],
  ['a wildcard in the middle', [{ ...app1, dependsOn: [], hosts: ['a.*.example.edu'] }], /^invalid configuration: sites\[0\]\.hosts\[0\]: "a\.\*\.example\.edu" is not a host pattern/],
  ['a wildcard without a dot', [{ ...app1, dependsOn: [], hosts: ['*example.edu'] }], /^invalid configuration: sites\[0\]\.hosts\[0\]: "\*example\.edu" is not a host pattern/],
  ['a wildcard over a top-level domain', [{ ...app1, dependsOn: [], hosts: ['*.edu'] }], /^invalid configuration: sites\[0\]\.hosts\[0\]: .*top-level/],
  ['a double wildcard', [{ ...app1, dependsOn: [], hosts: ['*.*.example.edu'] }], /^invalid configuration: sites\[0\]\.hosts\[0\]: .*not a host pattern/],
  ['a host with a port', [{ ...app1, dependsOn: [], hosts: ['portal.example.edu:8080'] }], /^invalid configuration: sites\[0\]\.hosts\[0\]: must be a host without a port/],
  ['a path without a slash', [{ ...app2, paths: ['api/*'] }], /^invalid configuration: sites\[0\]\.paths\[0\]: must be a path prefix/],
  ['a star inside a path', [{ ...app2, paths: ['/a*/b'] }], /^invalid configuration: sites\[0\]\.paths\[0\]: .*does not end the prefix/],
  ['a dot segment', [{ ...app2, paths: ['/a/../b'] }], /^invalid configuration: sites\[0\]\.paths\[0\]: .*dot segment/],
  ['an upstream', [{ ...app1, dependsOn: [], upstream: undefined }], /^invalid configuration: sites\[0\]\.upstream: is required/],
  ['a bad upstream', [{ ...app1, dependsOn: [], upstream: 'ftp://x' }], /^invalid configuration: sites\[0\]\.upstream: must be http/],
  ['a bad node', [{ ...app1, dependsOn: [], upstream: { nodes: [{ name: 'a' }] } }], /^invalid configuration: sites\[0\]\.upstream\.nodes\[0\]\.url: must be a URL/],
  ['a bad allowlist entry', [{ ...app2, allowlist: ['10.0.0.300'] }], /^invalid configuration: sites\[0\]\.allowlist\[0\]\.cidr: /],
  ['pages', [{ ...app1, dependsOn: [], pages: 3 }], /^invalid configuration: sites\[0\]\.pages: must be a directory/],
  ['an unknown site in dependsOn', [app1], /^invalid configuration: sites\[0\]\.dependsOn\[0\]: "app2" is not a site \(sites: app1\)/],
  ['a site depending on itself', [{ ...app1, dependsOn: ['app1'] }], /^invalid configuration: sites\[0\]\.dependsOn: app1 → app1 is a cycle/],
  ['a cycle', [app1, { ...app2, dependsOn: ['app3'] }, { name: 'app3', hosts: ['c.example.edu'], upstream: 'http://10.0.0.3:80', dependsOn: ['app1'] }], /^invalid configuration: sites\[0\]\.dependsOn: app1 → app2 → app3 → app1 is a cycle/],
  ['the same host twice', [{ ...app1, dependsOn: [] }, { ...app2, paths: [], hosts: ['Portal.Example.EDU'] }], /^invalid configuration: sites\[1\]\.hosts: portal\.example\.edu\/\* is already served by the site "app1"/],
  ['the same host and path twice', [app2, { ...app2, name: 'app3', paths: ['/api/'] }], /^invalid configuration: sites\[1\]\.hosts: api\.example\.edu\/api\/\* is already served by the site "app2"/],
  ['the same wildcard twice', [{ ...app1, dependsOn: [], hosts: ['*.example.edu'] }, { ...app2, paths: ['/'], hosts: ['*.example.edu'] }], /^invalid configuration: sites\[1\]\.hosts: \*\.example\.edu\/\* is already served/],
  ['a top-level upstream beside sites', [{ ...app1, dependsOn: [] }], /^invalid configuration: upstream: is refused with sites/, { upstream: 'http://127.0.0.1:3000' }],
  ['workers beside sites', [{ ...app1, dependsOn: [] }], /^invalid configuration: workers: must be 1 with sites/, { workers: 2 }],
  ['a firewall port without a site, and no default site', [{ ...app1, dependsOn: [] }], /^invalid configuration: firewall\.ports\[0\]\.site: is required with sites: and no site named default/, { firewall: { apply: 'direct', ports: [{ port: 5432 }] } }],
  ['allowlist on the default site', [{ ...app1, name: 'default', dependsOn: [], allowlist: ['10.0.0.0/8'] }], /^invalid configuration: sites\[0\]\.allowlist: the site "default" takes the top-level allowlist/]
]

for (const [what, sites, message, extra] of cases) {
  t.test(`sites: ${what} is checked, naming the key`, async (t) => {
    const raw = rawConfig('/tmp/unused', '', extra ?? {})
    if (extra?.upstream === undefined) delete raw.upstream
    raw.sites = sites
    t.throws(() => parseConfig(raw, TEST_ENV), { code: 'GK_ERR_CONFIG', message })
  })
}
