import t from 'tap'
import { get, publicUrl } from './helpers/harness.js'
import { GATE_PATHS, startHarnessOn } from './helpers/gate-paths.js'

interface Echo { headers: Record<string, string | undefined> }

for (const path of GATE_PATHS) {
  t.test(`${path.name}: the staged cookie is Gatekeeper's own and never reaches the application`, async (t) => {
    const h = await startHarnessOn(t, path)
    t.equal((await h.admin('POST', '/v1/stage', { percent: 100 })).status, 200)
    const first = await get(publicUrl(h, '/echo'), { from: '127.0.1.2' })
    t.equal(first.status, 200)
    const sticky = String(first.headers['set-cookie']).split(';')[0] as string
    t.match(sticky, /^gk_id=/)

    const seen = async (cookie: string): Promise<string | undefined> => {
      const res = await get(publicUrl(h, '/echo'), { from: '127.0.1.2', headers: { cookie } })
      t.equal(res.status, 200)
      return (JSON.parse(res.body) as Echo).headers.cookie
    }
    t.equal(await seen(sticky), undefined, 'alone: no Cookie header at all')
    t.equal(await seen(`session=abc; ${sticky}; theme=dark`), 'session=abc; theme=dark', 'among others: only the application\'s cookies')
    t.equal(await seen(`${sticky}; gk_bypass=nonsense; lang=en`), 'lang=en', 'with the bypass cookie: both of Gatekeeper\'s go')
    t.equal(await seen('gk_idx=1; my_gk_id=2'), 'gk_idx=1; my_gk_id=2', 'cookies whose names only look alike are the application\'s')

    // and while open, a browser still holding the cookie from the staging does not hand it on either
    t.equal((await h.admin('POST', '/v1/open')).status, 200)
    t.equal(await seen(`session=abc; ${sticky}`), 'session=abc', 'open: still stripped')
  })
}
