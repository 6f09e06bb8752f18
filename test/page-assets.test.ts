import { createHash } from 'node:crypto'
import t from 'tap'
import { loadAssets } from '../src/page/assets.js'

t.test('assets are loaded by name with their type and a content ETag', async (t) => {
  const dir = t.testdir({
    assets: {
      'site.css': 'body{color:#111}',
      'logo.SVG': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'data.bin': Buffer.from([0, 1, 2]),
      fonts: { 'body.woff2': 'woff2 bytes' }
    }
  })
  const problems: string[] = []
  const assets = loadAssets(dir, problems)
  t.same(problems, [])
  t.same([...assets.keys()].sort(), ['data.bin', 'fonts/body.woff2', 'logo.SVG', 'site.css'])
  t.equal(assets.get('site.css')?.contentType, 'text/css; charset=utf-8')
  t.equal(assets.get('logo.SVG')?.contentType, 'image/svg+xml')
  t.equal(assets.get('fonts/body.woff2')?.contentType, 'font/woff2')
  t.equal(assets.get('data.bin')?.contentType, 'application/octet-stream')
  t.same(assets.get('data.bin')?.body, Buffer.from([0, 1, 2]))
  const digest = createHash('sha256').update('body{color:#111}').digest('base64url')
  t.equal(assets.get('site.css')?.etag, `"${digest.slice(0, 22)}"`)
})

t.test('the same content gets the same ETag, other content another', async (t) => {
  const dir = t.testdir({ assets: { 'a.css': 'x', 'b.css': 'x', 'c.css': 'y' } })
  const assets = loadAssets(dir)
  t.equal(assets.get('a.css')?.etag, assets.get('b.css')?.etag)
  t.not(assets.get('a.css')?.etag, assets.get('c.css')?.etag)
})

t.test('unsafe names, hidden files and symbolic links are refused and reported', async (t) => {
  const dir = t.testdir({
    secret: 'outside the assets',
    assets: {
      'ok.css': 'fine',
      '.env': 'hidden',
      '.git': { config: 'hidden folder' },
      'two..dots.css': 'dots',
      'with space.css': 'space',
      'é.css': 'not ascii',
      'link.css': t.fixture('symlink', '../secret'),
      'linked-folder': t.fixture('symlink', '..'),
      a: { b: { c: { 'three-deep.css': 'fine', d: { 'too-deep.css': 'deep' } } } }
    }
  })
  const problems: string[] = []
  const assets = loadAssets(dir, problems)
  t.same([...assets.keys()], ['a/b/c/three-deep.css', 'ok.css'])
  const report = problems.join('\n')
  t.match(report, /not serving .*two\.\.dots\.css: asset names may hold only/)
  t.match(report, /not serving .*with space\.css: asset names may hold only/)
  t.match(report, /not serving .*é\.css: asset names may hold only/)
  t.match(report, /not serving .*link\.css: symbolic links are not followed/)
  t.match(report, /not serving .*linked-folder: symbolic links are not followed/)
  t.match(report, /not serving .*a\/b\/c\/d: assets may be nested at most 3 folders deep/)
  t.notMatch(report, /\.env|\.git/, 'hidden files are skipped quietly')
  t.equal(problems.length, 6)
})

t.test('no assets folder means no assets and nothing to report', async (t) => {
  const problems: string[] = []
  t.equal(loadAssets(t.testdir({ 'default.html': '<p>x</p>' }), problems).size, 0)
  t.same(problems, [])
})
