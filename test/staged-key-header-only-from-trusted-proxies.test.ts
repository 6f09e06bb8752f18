import t from 'tap'
import { get, publicUrl, VIEWER_TOKEN, type Harness } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

interface Admission { admitted: boolean, client: { keyedBy: string } }

async function dryRun (h: Harness, query: string): Promise<Admission> {
  const res = await h.admin('GET', `/v1/admission?${query}`, undefined, { authorization: `Bearer ${VIEWER_TOKEN}` })
  return await res.json() as Admission
}

const KEYS = Array.from({ length: 24 }, (_, i) => `chosen-key-${i}`)

for (const path of GATE_PATHS) {
  t.test(`${path.name}: a client picks no bucket with the staged key header; a trusted proxy's key is used`, async (t) => {
    const h = await startHarnessOn(t, path, { staged: { keyHeader: 'x-api-key' }, trustedProxies: ['127.0.0.1/32'] })
    t.equal((await h.admin('POST', '/v1/stage', { percent: 50 })).status, 200)

    const client = '127.0.1.7'
    const byAddress = await dryRun(h, `ip=${client}`)
    const plain = await get(publicUrl(h, '/echo'), { from: client })
    t.equal(plain.status === 200, byAddress.admitted, 'without a key: keyed by address')
    const cookie = String(plain.headers['set-cookie']).split(';')[0]

    let differing = 0
    let statusSaysOtherwise = 0
    let otherCookie = 0
    for (const key of KEYS) {
      const res = await get(publicUrl(h, '/echo'), { from: client, headers: { 'x-api-key': key } })
      if ((res.status === 200) !== byAddress.admitted) differing++
      if (String(res.headers['set-cookie']).split(';')[0] !== cookie) otherCookie++
      const status = JSON.parse((await get(publicUrl(h, '/__gatekeeper/status'), { from: client, headers: { 'x-api-key': key } })).body) as { admitted: boolean }
      if (status.admitted !== byAddress.admitted) statusSaysOtherwise++
    }
    t.equal(differing, 0, 'a key sent straight to Gatekeeper changes nothing: the client stays in its address bucket')
    t.equal(otherCookie, 0, 'and its sticky cookie carries its address id whatever the key')
    t.equal(statusSaysOtherwise, 0, '/__gatekeeper/status tells no key apart either')

    // behind the trusted proxy (127.0.0.1), the key the proxy forwards is the client's bucket
    let disagreements = 0
    let admitted = 0
    for (const [i, key] of KEYS.entries()) {
      const dry = await dryRun(h, `ip=203.0.113.${i + 1}&key=${key}`)
      t.equal(dry.client.keyedBy, 'key')
      const res = await get(publicUrl(h, '/echo'), { headers: { 'x-api-key': key, 'x-forwarded-for': `203.0.113.${i + 1}` } })
      if ((res.status === 200) !== dry.admitted) disagreements++
      if (dry.admitted) admitted++
    }
    t.equal(disagreements, 0, 'a trusted proxy\'s key decides the bucket')
    t.ok(admitted > 0 && admitted < KEYS.length, `some keys are admitted at 50 % and some wait (${admitted})`)
  })
}
