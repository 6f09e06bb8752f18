import { Agent, request } from 'undici'
import t from 'tap'
import { get, publicUrl, startHarness } from './helpers/harness.js'

t.test('staged at 25 % admits 25 ± 2 % of 10 000 distinct clients, and raising the percentage drops nobody', async (t) => {
  // 127.0.0.1 stands for an API gateway: the key header is taken only from a trusted proxy
  const h = await startHarness(t, { staged: { keyHeader: 'x-api-key' }, trustedProxies: ['127.0.0.1/32'] })
  const agent = new Agent({ connections: 8 })
  t.teardown(() => agent.close())
  const clients = Array.from({ length: 10000 }, (_, i) => `client-${i}`)

  async function admitted (): Promise<Set<string>> {
    const passed = new Set<string>()
    for (let i = 0; i < clients.length; i += 200) {
      await Promise.all(clients.slice(i, i + 200).map(async (key) => {
        const res = await request(publicUrl(h, '/'), { dispatcher: agent, headers: { 'x-api-key': key } })
        await res.body.dump()
        if (res.statusCode === 200) passed.add(key)
      }))
    }
    return passed
  }

  let previous = new Set<string>()
  for (const percent of [10, 25, 60]) {
    t.equal((await h.admin('POST', '/v1/stage', { percent })).status, 200)
    const passed = await admitted()
    const share = passed.size / clients.length * 100
    t.ok(Math.abs(share - percent) <= 2, `at ${percent} % the share is ${share.toFixed(2)} %`)
    const dropped = [...previous].filter((key) => !passed.has(key))
    t.equal(dropped.length, 0, `raising to ${percent} % turns away no client admitted before`)
    previous = passed
  }
})

t.test('a staged client keeps its bucket by cookie when its address changes, and by address without a cookie', async (t) => {
  const h = await startHarness(t)
  await h.admin('POST', '/v1/stage', { percent: 50 })
  const url = publicUrl(h, '/')
  const results = []
  for (let i = 2; i < 40; i++) {
    const first = await get(url, { from: `127.0.1.${i}` })
    const again = await get(url, { from: `127.0.1.${i}` })
    t.equal(again.status, first.status, 'cookie-less: sticky by address')
    const setCookie = String(first.headers['set-cookie'])
    t.match(setCookie, /^gk_id=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{16}; Path=\/;.*HttpOnly; SameSite=Lax/)
    const cookie = setCookie.split(';')[0] as string
    const moved = await get(url, { from: `127.0.2.${i}`, headers: { cookie } })
    t.equal(moved.status, first.status, 'with its cookie, a client that moved keeps its bucket')
    t.notOk(moved.headers['set-cookie'], 'a valid cookie is not set again')
    results.push(first.status)
  }
  t.ok(results.includes(200) && results.includes(503), 'at 50 % some pass and some wait')
  const forged = await get(url, { from: '127.0.1.2', headers: { cookie: 'gk_id=AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA' } })
  t.match(String(forged.headers['set-cookie']), /^gk_id=/, 'a forged cookie is ignored and replaced')

  await h.admin('POST', '/v1/stage', { percent: 0 })
  t.equal((await get(url, { from: '127.0.1.2' })).status, 503, '0 % admits nobody')
  await h.admin('POST', '/v1/stage', { percent: 100 })
  for (let i = 2; i < 12; i++) t.equal((await get(url, { from: `127.0.3.${i}` })).status, 200, '100 % admits everybody')
})
