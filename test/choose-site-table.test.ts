import t from 'tap'
import { chooseSite, compileSiteTable, hostOfHeader } from '../src/sites/choose.js'
import { parseSites } from '../src/sites/config.js'
import { fail } from '../src/input/config-checks.js'

const up = 'http://127.0.0.1:3000'
const sites = parseSites([
  { name: 'portal', hosts: ['portal.example.edu', 'Example.EDU.'], upstream: up },
  { name: 'api', hosts: ['portal.example.edu'], paths: ['/api/*'], upstream: up },
  { name: 'api-v2', hosts: ['portal.example.edu'], paths: ['/api/v2'], upstream: up },
  { name: 'tenants', hosts: ['*.example.edu'], upstream: up },
  { name: 'docs', hosts: ['*.example.org'], paths: ['/docs/'], upstream: up },
  { name: 'v6', hosts: ['[::1]', '127.0.0.2'], upstream: up }
], fail) ?? []
const table = compileSiteTable(sites)

const cases: Array<[string | undefined, string, string | null, string]> = [
  ['portal.example.edu', '/', 'portal', 'an exact host'],
  ['PORTAL.Example.edu:8443', '/x', 'portal', 'case and port ignored'],
  ['portal.example.edu.', '/x', 'portal', 'a trailing dot ignored'],
  ['example.edu', '/', 'portal', 'a configured name with upper case and a dot'],
  ['portal.example.edu', '/api', 'api', '/api/* holds /api itself'],
  ['portal.example.edu', '/api/', 'api', 'and /api/'],
  ['portal.example.edu', '/api/users?x=1', 'api', 'and below it, the query ignored'],
  ['portal.example.edu', '/apiary', 'portal', 'never /apiary'],
  ['portal.example.edu', '/api/v2/x', 'api-v2', 'the longest prefix wins'],
  ['portal.example.edu', '/api/v2', 'api-v2', 'a prefix without /* holds itself too'],
  ['portal.example.edu', '/api/v20', 'api', 'a longer prefix only on a segment boundary'],
  ['portal.example.edu', '/%61pi/x', 'api', 'paths are compared decoded, as the upstream routes them'],
  ['portal.example.edu', '/api/..%2Fadmin', 'portal', 'an ambiguous path never reaches a path-routed site'],
  ['portal.example.edu', '/api/../admin', 'portal', 'nor does a dot segment'],
  ['a.example.edu', '/', 'tenants', 'a wildcard takes one label'],
  ['A.Example.Edu:80', '/api', 'tenants', 'case-insensitively, and the exact host\'s paths do not apply to others'],
  ['a.b.example.edu', '/', null, 'not two labels'],
  ['.example.edu', '/', null, 'not an empty label'],
  ['x.example.org', '/docs', 'docs', 'a wildcard with a path'],
  ['x.example.org', '/', null, 'outside its path: no site'],
  ['example.org', '/docs', null, 'a wildcard does not take the bare name'],
  ['elsewhere.test', '/', null, 'an unknown host'],
  [undefined, '/', null, 'no Host header'],
  ['', '/', null, 'an empty Host header'],
  ['[::1]:8080', '/', 'v6', 'an IPv6 literal with a port'],
  ['[0:0:0:0:0:0:0:1]', '/', 'v6', 'in any spelling'],
  ['127.0.0.2:80', '/', 'v6', 'an address']
]

t.test('chooseSite: exact host before wildcard, then the longest path prefix', async (t) => {
  for (const [host, path, site, why] of cases) t.equal(chooseSite(table, host, path), site, `${String(host)} ${path}: ${why}`)
})

t.test('an exact host that claims only some paths leaves the others to its wildcard', async (t) => {
  const only = compileSiteTable(parseSites([
    { name: 'api', hosts: ['api.example.edu'], paths: ['/api'], upstream: up },
    { name: 'rest', hosts: ['*.example.edu'], upstream: up }
  ], fail) ?? [])
  t.equal(chooseSite(only, 'api.example.edu', '/api/x'), 'api')
  t.equal(chooseSite(only, 'api.example.edu', '/other'), 'rest')
})

t.test('hostOfHeader', async (t) => {
  t.equal(hostOfHeader('Portal.Example.EDU:443'), 'portal.example.edu')
  t.equal(hostOfHeader('[::1'), null)
  t.equal(hostOfHeader(undefined), null)
})
