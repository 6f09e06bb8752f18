import { posix } from 'node:path'
import t from 'tap'
import { randomSource } from './helpers/random.js'
import { canonicalPath, compilePathMatcher } from '../src/gate/path.js'

t.test('canonicalPath drops the query and percent-decodes', async (t) => {
  const cases: Array<[string, string]> = [
    ['/', '/'],
    ['/healthz', '/healthz'],
    ['/healthz?x=1', '/healthz'],
    ['/healthz?x=/../a#b', '/healthz'],
    ['/healthz?', '/healthz'],
    ['/?', '/'],
    ['/assets/', '/assets/'],
    ['/assets/app.css', '/assets/app.css'],
    ['/my%20page', '/my page'],
    ['/%41%62c', '/Abc'],
    ['/a%2Db', '/a-b'],
    ['/%7euser', '/~user'],
    ['/.well-known/acme', '/.well-known/acme'],
    ['/a..b/c.', '/a..b/c.'],
    ['/...x', '/...x'],
    ['/x.', '/x.'],
    ["/a-._~!$&'()*+,=:@", "/a-._~!$&'()*+,=:@"],
    ['/a%22%3C%3E%60%7B%7D%7C%5E%5B%5D', '/a"<>`{}|^[]']
  ]
  for (const [raw, path] of cases) t.equal(canonicalPath(raw), path, raw)
})

t.test('canonicalPath refuses every path an upstream might resolve differently', async (t) => {
  const ambiguous = [
    // not a path at all
    '', '*', 'healthz', 'http://evil/healthz', 'https://x/', '?x',
    // encoded separators, any case
    '/a%2Fb', '/a%2fb', '/a%5Cb', '/a%5cb', '/healthz%2F..%2Fadmin',
    // backslash
    '/a\\b', '/healthz\\..\\admin',
    // control characters, raw and encoded
    '/a\u0000b', '/a%00b', '/a%0ab', '/a%0D%0Ab', '/a\tb', '/a%7f', '/a\u007f',
    // bad percent-encoding
    '/a%', '/a%2', '/a%zz', '/a%g0', '/a%%41', '/a%2?x=1',
    // double encoding
    '/a%252Fb', '/a%25',
    // non-ASCII, raw or encoded, valid UTF-8 or not
    '/café', '/caf%C3%A9', '/%EF%BC%8E%EF%BC%8E/admin', '/%E2%88%95admin', '/%C0%AF', '/%C0%AE%C0%AE/admin', '/%FF', '/%80',
    // empty segments
    '//', '//admin', '/a//b', '/a///',
    // dot segments, literal or encoded, and Windows' dots-and-spaces
    '/.', '/..', '/./a', '/../a', '/a/.', '/a/..', '/a/./b', '/a/../b', '/%2e', '/%2E%2e/a', '/a/.%2E/b', '/a/%2e./b',
    '/a/.../b', '/a/.. /b', '/a/%20/b', '/a/. ./b', '/a/..%20',
    // path parameters (Tomcat)
    '/health;x=1', '/public/..;/admin', '/a;', '/a%3Bb', '/a%3bb',
    // fragments and encoded query marks
    '/healthz#x', '/a%23b', '/a%3Fb', '/a%3fb',
    // characters that must be encoded
    '/a b', '/a"b', '/a<b', '/a>b', '/a`b', '/a{b', '/a}b', '/a|b', '/a^b', '/a[b', '/a]b'
  ]
  for (const raw of ambiguous) t.equal(canonicalPath(raw), null, JSON.stringify(raw))
  t.equal(canonicalPath(undefined as unknown as string), null, 'not a string')
})

t.test('an accepted path is one the WHATWG URL resolver and path.normalize leave alone', async (t) => {
  const random = randomSource(5)
  const pieces = ['/', '/', '/', 'a', 'b', '.', '..', '%2e', '%2E', '%2f', '%5c', '%25', '%3b', ';', '\\', '%00', '%41', '%20', '%', '%zz', '~', '*', ':', '@', '?', '#', '%3f', ' ', '%e2%80%ae']
  let accepted = 0
  for (let n = 0; n < 20000; n++) {
    let raw = '/'
    const count = 1 + Math.floor(random() * 8)
    for (let k = 0; k < count; k++) raw += pieces[Math.floor(random() * pieces.length)]
    const path = canonicalPath(raw)
    if (path === null) continue
    accepted++
    const resolved = decodeURIComponent(new URL(raw, 'http://upstream.invalid').pathname)
    if (resolved !== path) t.fail(`${JSON.stringify(raw)}: canonicalPath gives ${path}, the URL resolver ${resolved}`)
    if (posix.normalize(path) !== path) t.fail(`${JSON.stringify(raw)}: ${path} normalises to ${posix.normalize(path)}`)
    if (/[\\;%?#]/.test(path)) t.fail(`${JSON.stringify(raw)}: ${path} keeps a character some server reads specially`)
  }
  t.ok(accepted > 1000, `${accepted} random targets accepted and compared`)
})

t.test('the matcher lets through exactly the listed paths and what lies below a prefix', async (t) => {
  const allowed = compilePathMatcher(['/healthz', '/assets/*', '/my page', '/'])
  const cases: Array<[string, boolean]> = [
    ['/healthz', true],
    ['/healthz?x=/../a', true],
    ['/healthz?', true],
    ['/health%7A', true],
    ['/assets/a.css', true],
    ['/assets/x/y', true],
    ['/assets/', true],
    ['/assets/%41.css', true],
    ['/my%20page', true],
    ['/', true],
    ['/?next=/admin', true],
    ['/assets', false],
    ['/assetsX', false],
    ['/assetsX/a.css', false],
    ['/healthz/', false],
    ['/healthzz', false],
    ['/HEALTHZ', false],
    ['/Assets/a.css', false],
    ['/admin', false],
    ['/my page', false]
  ]
  for (const [raw, expected] of cases) t.equal(allowed(raw), expected, raw)
})

t.test('no allowed path is a way around the gate', async (t) => {
  const allowed = compilePathMatcher(['/healthz', '/assets/*', '/public/*'])
  const attempts = [
    '/healthz/../admin',
    '/healthz/..',
    '/healthz%2F..%2Fadmin',
    '/healthz%2f..%2fadmin',
    '/assets/..%2fadmin',
    '/assets/..%2Fadmin',
    '/assets/%2e%2e/admin',
    '/assets/%2E%2E/admin',
    '/assets/.%2e/admin',
    '/assets/../admin',
    '/assets/./../admin',
    '/assets/..\\admin',
    '/assets/..%5cadmin',
    '/assets/..%255cadmin',
    '/assets/%252e%252e/admin',
    '/assets/%c0%ae%c0%ae/admin',
    '/assets/%ef%bc%8e%ef%bc%8e/admin',
    '/assets/.. /admin',
    '/assets/..%00/admin',
    '/assets//../admin',
    '//admin',
    '//assets/../admin',
    '/healthz;/../admin',
    '/healthz;x=1',
    '/public/..;/admin',
    '/public/.;/admin',
    '/assets/a.css;jsessionid=1/../../admin',
    '/HEALTHZ',
    '/healthz#x',
    '/healthz%23x',
    '/healthz%3F/../admin',
    'http://evil/healthz',
    'http://evil/assets/a.css',
    '*',
    ''
  ]
  for (const raw of attempts) t.equal(allowed(raw), false, JSON.stringify(raw))
})

t.test('no patterns: nothing is always allowed', async (t) => {
  const allowed = compilePathMatcher([])
  t.equal(allowed('/'), false)
  t.equal(allowed('/healthz'), false)
})

t.test('bad patterns are refused at compile time, by index and problem', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    ['healthz', /^invalid configuration: alwaysAllow\.paths\[1\]: "healthz" does not start with "\/"/],
    ['', /alwaysAllow\.paths\[1\]: "" does not start with "\/"/],
    ['/*', /"\/\*" would let every request past the gate; open the site instead/],
    ['/assets/*.css', /"\*" that does not end a prefix/],
    ['/a*/b', /"\*" that does not end a prefix/],
    ['/assets*', /"\*" that does not end a prefix/],
    ['/a/../b', /contains a "\." or "\.\." segment/],
    ['/a/..', /contains a "\." or "\.\." segment/],
    ['/./*', /contains a "\." or "\.\." segment/],
    ['/a//b', /empty segment/],
    ['//*', /empty segment/],
    ['/a%2Fb', /contains "%": write the path decoded/],
    ['/a%20b', /contains "%"/],
    ['/healthz?x=1', /contains "\?"/],
    ['/a;b', /contains ";"/],
    ['/a#b', /contains "#"/],
    ['/a\\b', /contains "\\"/],
    ['/a\nb', /control character/],
    ['/café', /non-ASCII/],
    ['/\ud800', /non-ASCII/],
    [42, /alwaysAllow\.paths\[1\]: must be a string, got number/],
    [null, /must be a string, got object/]
  ]
  for (const [pattern, message] of cases) {
    t.throws(() => compilePathMatcher(['/ok', pattern as string]), { code: 'GK_ERR_CONFIG', message }, JSON.stringify(pattern))
  }
  t.throws(() => compilePathMatcher('/healthz' as unknown as string[]), { code: 'GK_ERR_CONFIG', message: /alwaysAllow\.paths: must be a list of paths/ })
})
