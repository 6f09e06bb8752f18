import t from 'tap'
import { get, publicUrl, VIEWER_TOKEN } from './helpers/harness.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

interface Admission { admitted: boolean, reason: string, client: { bucket: number, admittedFromPercent: number, keyedBy: string } }

/** Runs `work` over `items`, `width` at a time. */
async function inBatches<T> (items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work))
}

t.test('the dry run agrees with real requests for 1 000 clients', async (t) => {
  const h = await startReopenHarness(t, { initialMode: 'closed', staged: { keyHeader: 'x-api-key' }, trustedProxies: ['127.0.0.1/32'], allowlist: [{ cidr: '127.0.0.250/32' }] })
  t.equal((await h.admin('POST', '/v1/stage', { percent: 37.5 })).status, 200)
  const ask = async (query: string): Promise<Admission> => {
    const res = await h.admin('GET', `/v1/admission?${query}`, undefined, { authorization: `Bearer ${VIEWER_TOKEN}` })
    t.equal(res.status, 200)
    return await res.json() as Admission
  }

  const keys = Array.from({ length: 1000 }, (_, i) => `api-key-${i}`)
  let admitted = 0
  let disagreements = 0
  await inBatches(keys, 25, async (key) => {
    const [dry, real] = await Promise.all([
      ask(`ip=127.0.0.1&key=${key}`),
      get(publicUrl(h, '/echo'), { headers: { 'x-api-key': key } })
    ])
    if (dry.admitted !== (real.status === 200)) disagreements++
    if (dry.admitted) admitted++
  })
  t.equal(disagreements, 0, 'every keyed client: the dry run said what the gate did')
  t.ok(admitted > 300 && admitted < 450, `about 37.5 % admitted (${admitted})`)

  // clients without a key are keyed by their address
  const addresses = Array.from({ length: 100 }, (_, i) => `127.0.0.${i + 2}`)
  await inBatches(addresses, 25, async (ip) => {
    const [dry, real] = await Promise.all([ask(`ip=${ip}`), get(publicUrl(h, '/echo'), { from: ip })])
    if (dry.admitted !== (real.status === 200)) disagreements++
  })
  t.equal(disagreements, 0, 'every address-keyed client agrees too')

  const listed = await ask('ip=127.0.0.250')
  t.match(listed, { admitted: true, reason: 'allowlist' })
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.250' })).status, 200)

  // asking ahead of the flip: who would be in at 60 %?
  const ahead = new Map<string, boolean>()
  await inBatches(keys.slice(0, 200), 25, async (key) => { ahead.set(key, (await ask(`ip=127.0.0.1&key=${key}&percent=60`)).admitted) })
  t.equal((await h.admin('POST', '/v1/stage', { percent: 60 })).status, 200)
  await inBatches(keys.slice(0, 200), 25, async (key) => {
    const real = await get(publicUrl(h, '/echo'), { headers: { 'x-api-key': key } })
    if (ahead.get(key) !== (real.status === 200)) disagreements++
  })
  t.equal(disagreements, 0, 'the ?percent= answer held after the flip')

  const one = await ask('ip=127.0.0.1&key=api-key-7')
  t.equal(one.client.keyedBy, 'key')
  t.equal(one.admitted, one.client.bucket < 6000)
  t.equal(one.client.admittedFromPercent, (one.client.bucket + 1) / 100)
})

t.test('bad dry-run questions get a 400 naming the parameter', async (t) => {
  const h = await startReopenHarness(t)
  const cases: Array<[string, RegExp]> = [
    ['', /query\.ip is required/],
    ['ip=300.1.1.1', /query\.ip: must be an IP address/],
    ['ip=127.0.0.1&key=k', /query\.key needs staged\.keyHeader/],
    ['ip=127.0.0.1&percent=101', /percent must be a number from 0 to 100/],
    ['ip=127.0.0.1&percent=12.345', /query\.percent: must be a number from 0 to 100 with at most two decimals/],
    ['ip=127.0.0.1&path=echo', /query\.path: must be a path starting with "\/"/],
    ['ip=127.0.0.1&method=G-T', /query\.method: must be an HTTP method/],
    ['ip=127.0.0.1&ip=127.0.0.2', /query\.ip: must be a string, got \[/],
    ['ip=127.0.0.1&cookie=x', /query has an unknown field "cookie"/]
  ]
  for (const [query, message] of cases) {
    const res = await h.admin('GET', `/v1/admission?${query}`)
    t.equal(res.status, 400, query)
    t.match(await res.json(), { statusCode: 400, message })
  }
  const open = await (await h.admin('GET', '/v1/admission?ip=::ffff:127.0.0.1&method=post&path=/cart')).json() as Admission
  t.match(open, { admitted: true, reason: 'open', client: { ip: '127.0.0.1', keyedBy: 'ip' } })
})
