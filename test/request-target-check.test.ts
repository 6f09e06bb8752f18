import t from 'tap'
import { isPlainTarget, targetProblem } from '../src/public/target.js'

t.test('a request target is passed only when it is a path that stays within the site', async (t) => {
  for (const url of ['/', '/echo', '/a%20b', '/%C3%A9t%C3%A9', '/a/..b', '/a/./b', '/x?next=../../etc', '/x?q=%zz']) {
    t.equal(targetProblem(url), null, `${url}: passed`)
  }
  for (const url of ['http://example.invalid/', '*', 'example.invalid:443', '']) {
    t.equal(targetProblem(url), 'absolute', `${JSON.stringify(url)}: not a path`)
  }
  for (const url of ['/../x', '/a/../../x', '/a/%2e%2e/x', '/a/%2E%2E', '/a\\..\\x', '/a/%5c..%5cx', '//evil.invalid/x', '/\\evil.invalid', '/%zz', '/a/.\t./x']) {
    t.equal(targetProblem(url), 'escapes', `${JSON.stringify(url)}: could leave the site`)
  }
})

t.test('a plain target needs no closer look, and every target that does is not plain', async (t) => {
  t.ok(isPlainTarget('/echo/plain?q=1'))
  t.ok(isPlainTarget('/x?next=%2F'), 'a percent sign in the query is the application\'s')
  for (const url of ['/a%20b', '/../x', '//x', '/a\\b', 'http://x/', '*']) t.notOk(isPlainTarget(url), `${url}: looked at closely`)
})
