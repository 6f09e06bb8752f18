import t from 'tap'
import { get, publicUrl, VIEWER_TOKEN, type Harness } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

interface Admission { client: { bucket: number } }

async function bucketOf (h: Harness, ip: string): Promise<number> {
  const res = await h.admin('GET', `/v1/admission?ip=${ip}`, undefined, { authorization: `Bearer ${VIEWER_TOKEN}` })
  return (await res.json() as Admission).client.bucket
}

for (const path of GATE_PATHS) {
  t.test(`${path.name}: a client in bucket b waits at b/100 % and is admitted from (b+1)/100 %`, async (t) => {
    const h = await startHarnessOn(t, path)
    t.equal((await h.admin('POST', '/v1/stage', { percent: 0 })).status, 200)
    const clients = ['127.0.4.2', '127.0.4.3', '127.0.4.4']
    for (const ip of clients) {
      const b = await bucketOf(h, ip)
      if (b === 0) continue
      t.equal((await h.admin('POST', '/v1/stage', { percent: b / 100 })).status, 200)
      t.equal((await get(publicUrl(h, '/echo'), { from: ip })).status, 503, `${ip} (bucket ${b}) waits at ${b / 100} %`)
      const status = JSON.parse((await get(publicUrl(h, '/__gatekeeper/status'), { from: ip })).body) as { admitted: boolean }
      t.equal(status.admitted, false, 'and the status endpoint says so')
      t.equal((await h.admin('POST', '/v1/stage', { percent: (b + 1) / 100 })).status, 200)
      t.equal((await get(publicUrl(h, '/echo'), { from: ip })).status, 200, `${ip} is admitted at ${(b + 1) / 100} %`)
    }
  })
}
