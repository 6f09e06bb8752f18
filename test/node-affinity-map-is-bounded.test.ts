import t from 'tap'
import { cookieValue, createAffinity, setCookieOf } from '../src/nodes/affinity.js'

t.test('the affinity map learns from Set-Cookie, forgets cleared sessions and stays bounded', async (t) => {
  const affinity = createAffinity('JSESSIONID', 3)
  affinity.issued('walton', ['other=1', 'JSESSIONID=abc; Path=/; HttpOnly'])
  t.equal(affinity.nodeOf('x=1; JSESSIONID=abc'), 'walton')
  t.equal(affinity.nodeOf('JSESSIONID=zzz'), undefined)
  t.equal(affinity.nodeOf(undefined), undefined)

  affinity.issued('stubing', 'JSESSIONID=abc; Max-Age=0')
  t.equal(affinity.nodeOf('JSESSIONID=abc'), undefined, 'a cleared cookie forgets the session')

  for (const id of ['a', 'b', 'c']) affinity.issued('walton', `JSESSIONID=${id}`)
  t.equal(affinity.nodeOf('JSESSIONID=a'), 'walton', 'reading a session makes it recent')
  affinity.issued('stubing', 'JSESSIONID=d')
  t.equal(affinity.size, 3, 'never more than the bound')
  t.equal(affinity.nodeOf('JSESSIONID=b'), undefined, 'the least recently used went first')
  t.equal(affinity.nodeOf('JSESSIONID=a'), 'walton')
  t.equal(affinity.nodeOf('JSESSIONID=d'), 'stubing')
})

t.test('cookie parsing', async (t) => {
  t.equal(cookieValue('a=1; JSESSIONID = v2 ;b=3', 'JSESSIONID'), 'v2')
  t.equal(cookieValue('XJSESSIONID=v', 'JSESSIONID'), undefined)
  t.equal(cookieValue('JSESSIONID=', 'JSESSIONID'), undefined)
  t.same(setCookieOf('JSESSIONID=v; Path=/', 'JSESSIONID'), { value: 'v', cleared: false })
  t.same(setCookieOf('JSESSIONID=v; Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'JSESSIONID'), { value: 'v', cleared: true })
  t.same(setCookieOf('JSESSIONID=; Path=/', 'JSESSIONID'), { value: '', cleared: true })
  t.equal(setCookieOf('other=v', 'JSESSIONID'), undefined)
})
