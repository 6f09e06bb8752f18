// What choosing the site (decision step 0) costs per request: chooseSite on
// the table of one site, then of 50, in one process, in interleaved rounds.
//
//   npm run build && node bench/site-choice.mjs [--rounds 9] [--calls 2000000]
//
// The proxy bench (bench/run.js --only sites-1,sites-50) measures the same
// over sockets, where a whole request costs ~100 µs of CPU and the machine's
// noise is larger than the choice; this one isolates the choice itself, so
// its share of a request can be read off: ns per choice ÷ µs per request.

import { performance } from 'node:perf_hooks'
import { loadavg } from 'node:os'
import { join } from 'node:path'

const DIST = join(import.meta.dirname, '..', 'dist', 'src', 'sites')
const { parseSites } = await import(join(DIST, 'config.js'))
const { chooseSite, compileSiteTable } = await import(join(DIST, 'choose.js'))

function option (name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1, got ${process.argv[at + 1]}`)
  return value
}

/** As bench/run.js's benchSites: the measured site on 127.0.0.1 after 20 path-prefixed ones, exact hosts, wildcards. */
function sitesConfig (count) {
  const sites = [{ name: 'default', hosts: ['127.0.0.1'], upstream: 'http://127.0.0.1:1' }]
  for (let i = 1; i < count; i++) {
    const site = { name: `app${i}`, upstream: 'http://127.0.0.1:1' }
    if (i <= 20) sites.push({ ...site, hosts: ['127.0.0.1'], paths: [`/app${i}/*`] })
    else if (i % 3 === 0) sites.push({ ...site, hosts: [`*.tenant${i}.example.test`] })
    else sites.push({ ...site, hosts: [`app${i}.example.test`], ...(i % 3 === 1 ? { paths: ['/api/*'] } : {}) })
  }
  return parseSites(sites, (key, message) => { throw new Error(`${key}: ${message}`) })
}

/** The requests of the proxy bench, and ones that reach the other kinds of site. */
const REQUESTS = [
  ['127.0.0.1:8080', '/'],
  ['127.0.0.1:8080', '/portal/site/page?x=1'],
  ['127.0.0.1:8080', '/app20/deep/path'],
  ['app22.example.test', '/api/v1/items'],
  ['a.tenant21.example.test', '/'],
  ['unknown.example.test', '/']
]

function nsPerChoice (table, calls) {
  let hits = 0
  const start = performance.now()
  for (let i = 0; i < calls; i++) {
    const [host, url] = REQUESTS[i % REQUESTS.length]
    if (chooseSite(table, host, url) !== null) hits++
  }
  const ns = (performance.now() - start) * 1e6 / calls
  if (hits === 0) throw new Error('no request chose a site: the bench measures nothing')
  return ns
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const rounds = option('rounds', 9)
const calls = option('calls', 2_000_000)
const tables = { 'sites-1': compileSiteTable(sitesConfig(1)), 'sites-50': compileSiteTable(sitesConfig(50)) }
// warm-up: both tables through the JIT before anything counts
for (const table of Object.values(tables)) nsPerChoice(table, calls / 4)
const figures = { 'sites-1': [], 'sites-50': [] }
const ratios = []
for (let round = 0; round < rounds; round++) {
  const one = nsPerChoice(tables['sites-1'], calls)
  const fifty = nsPerChoice(tables['sites-50'], calls)
  figures['sites-1'].push(one)
  figures['sites-50'].push(fifty)
  ratios.push(fifty / one)
}
const one = median(figures['sites-1'])
const fifty = median(figures['sites-50'])
process.stdout.write([
  `## Choosing the site: ${rounds} interleaved rounds × ${calls} choices (${REQUESTS.length} requests in turn), Node ${process.version}, load ${loadavg().map((n) => n.toFixed(2)).join(' ')}`,
  '',
  '| table | ns per choice (median) | range |',
  '|---|---:|---:|',
  `| one site | ${one.toFixed(0)} | ${Math.min(...figures['sites-1']).toFixed(0)}–${Math.max(...figures['sites-1']).toFixed(0)} |`,
  `| 50 sites | ${fifty.toFixed(0)} | ${Math.min(...figures['sites-50']).toFixed(0)}–${Math.max(...figures['sites-50']).toFixed(0)} |`,
  '',
  `50 sites ÷ one site: ${median(ratios).toFixed(2)}× (rounds ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}); ` +
  `the difference, ${(fifty - one).toFixed(0)} ns, is ${((fifty - one) / 100_000 * 100).toFixed(2)} % of a request's ~100 µs of CPU (bench/run.js).`,
  ''
].join('\n'))
