import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { get, tempDir } from './helpers/harness.js'
import { startSitesHarness } from './helpers/sites.js'

/** A pages directory of its own: the shipped template, and a stylesheet that names the site. */
function pagesDir (root: string, name: string): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'assets'), { recursive: true })
  copyFileSync(join(process.cwd(), 'maintenance-pages', 'default.html'), join(dir, 'default.html'))
  writeFileSync(join(dir, 'assets', 'site.css'), `/* ${name} */ body{color:#111}`)
  return dir
}

t.test('each site serves the page assets of its own pages directory; a site without one, maintenance.pagesDir\'s', async (t) => {
  const root = tempDir(t)
  const one = pagesDir(root, 'app1-pages')
  const two = pagesDir(root, 'app2-pages')
  writeFileSync(join(two, 'assets', 'only-app2.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  const { gk } = await startSitesHarness(t, (url) => [
    { name: 'app1', hosts: ['one.test'], upstream: url, pages: one },
    { name: 'app2', hosts: ['two.test'], upstream: url, pages: two },
    { name: 'app3', hosts: ['three.test'], upstream: url }
  ])
  const asset = (host: string, name: string): ReturnType<typeof get> => get(`${gk.publicUrl}/__gatekeeper/assets/${name}`, { headers: { host } })

  const first = await asset('one.test', 'site.css')
  t.equal(first.status, 200)
  t.match(first.headers['content-type'], /^text\/css/)
  t.match(first.body, /\/\* app1-pages \*\//, 'app1 serves its own stylesheet')
  const second = await asset('two.test', 'site.css')
  t.equal(second.status, 200)
  t.match(second.body, /\/\* app2-pages \*\//, 'app2 serves its own stylesheet')
  t.not(first.headers.etag, second.headers.etag, 'each with its own ETag')

  t.equal((await asset('two.test', 'only-app2.svg')).status, 200)
  t.equal((await asset('one.test', 'only-app2.svg')).status, 404, 'a site never serves another site\'s asset')
  // the shipped pages directory has no assets: a site without pages: serves those of maintenance.pagesDir
  t.equal((await asset('three.test', 'site.css')).status, 404)
  t.equal((await asset('nowhere.test', 'site.css')).status, 404, 'a request for no site gets no asset')
})
