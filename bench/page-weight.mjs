// The maintenance page's weight and the cost of one status poll.
//
//   npm run build && node bench/page-weight.mjs [--seconds 5] [--connections 32]
//
// A real Gatekeeper (from dist/) runs in a child process on loopback, closed,
// in front of the sample application. Measured:
//  - the default page as served: bytes rendered, gzipped and brotli'd, and its
//    response headers;
//  - one status poll as Debian's Chromium really sends it: the request and
//    response bytes on the wire (HTTP/1.1, headers included);
//  - the gatekeeper's CPU time per poll, under wrk load against
//    /__gatekeeper/status (bounded: one run of --seconds, loopback only).

import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { chromium } from 'playwright-core'

const root = resolve(import.meta.dirname, '..')
const CHROMIUM = process.env.GK_CHROMIUM ?? '/usr/bin/chromium'
const TOKEN = 'bench-operator-token-0123456789'

function option (name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  const value = at === -1 ? fallback : Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1 || value > 60) throw new Error(`--${name} must be a whole number from 1 to 60, got ${process.argv[at + 1]}`)
  return value
}
const seconds = option('seconds', 5)
const connections = option('connections', 32)

if (!existsSync(join(root, 'dist', 'src', 'server.js'))) {
  console.error('dist/ is missing: run "npm run build" first')
  process.exit(1)
}

// the gatekeeper under measure, alone in its process so its CPU time is its own
const CHILD = `
const { parseConfig } = await import(${JSON.stringify(join(root, 'dist/src/config/config.js'))})
const { startGatekeeper } = await import(${JSON.stringify(join(root, 'dist/src/server.js'))})
const { startSampleUpstream } = await import(${JSON.stringify(join(root, 'dist/src/sample/sample-upstream.js'))})
const dir = process.env.GK_BENCH_DIR
const upstream = await startSampleUpstream(0)
const config = parseConfig({
  listen: { host: '127.0.0.1', port: 0 },
  upstream: upstream.url,
  admin: { listen: { host: '127.0.0.1', port: 0 }, tokens: [{ name: 'ops', role: 'operator', tokenEnv: 'GK_BENCH_TOKEN' }] },
  store: { type: 'file', path: dir + '/state.json' },
  maintenance: { pagesDir: ${JSON.stringify(join(root, 'maintenance-pages'))} },
  logLevel: 'silent'
}, process.env)
const gk = await startGatekeeper(config)
process.on('message', async (message) => {
  if (message === 'cpu') process.send({ cpu: process.cpuUsage() })
  if (message === 'stop') { await gk.close(); await upstream.close(); process.exit(0) }
})
process.send({ publicUrl: gk.publicUrl, adminUrl: gk.adminUrl })
`

function startChild (dir) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, GK_BENCH_DIR: dir, GK_BENCH_TOKEN: TOKEN }
  })
  const next = () => new Promise((resolve, reject) => {
    child.once('message', resolve)
    child.once('exit', (code) => reject(new Error(`the gatekeeper exited (${code})`)))
  })
  return { child, next }
}

function cpuMicros (usage) {
  return usage.user + usage.system
}

function wireBytes (firstLine, headers, body) {
  const lines = headers.map(({ name, value }) => `${name}: ${value}\r\n`).join('')
  return Buffer.byteLength(`${firstLine}\r\n${lines}\r\n`) + body
}

async function pollAsTheBrowserSendsIt (publicUrl) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium"`)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const page = await browser.newPage()
    await page.clock.install()
    await page.goto(publicUrl + '/')
    const polled = page.waitForResponse((r) => r.url().endsWith('/__gatekeeper/status'))
    await page.clock.fastForward(61_000)
    const response = await polled
    const request = response.request()
    const url = new URL(request.url())
    const requestHeaders = await request.headersArray()
    const responseHeaders = await response.headersArray()
    const body = (await response.body()).length
    return {
      request: wireBytes(`GET ${url.pathname} HTTP/1.1`, requestHeaders, 0),
      response: wireBytes(`HTTP/1.1 ${response.status()} ${response.statusText()}`, responseHeaders, body),
      responseBody: body
    }
  } finally {
    await browser.close()
  }
}

function wrk (url) {
  const found = spawnSync('wrk', ['--version'], { encoding: 'utf8' })
  if (found.error !== undefined) throw new Error('wrk is not installed: run "apt-get install -y wrk"')
  const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-H', 'Accept: application/json', url], { encoding: 'utf8', timeout: (seconds + 30) * 1000 })
  const total = /(\d+) requests in/.exec(run.stdout)
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout)
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(run.stdout)
  if (total === null || rate === null) throw new Error(`wrk gave no figures:\n${run.stdout}${run.stderr}`)
  return { requests: Number(total[1]), perSecond: Number(rate[1]), non2xx: errors === null ? 0 : Number(errors[1]) }
}

const dir = mkdtempSync(join(tmpdir(), 'gk-bench-'))
const { child, next } = startChild(dir)
let report
try {
  const { publicUrl, adminUrl } = await next()
  const until = new Date(Date.now() + 45 * 60 * 1000).toISOString()
  const reason = 'We are upgrading the course site to the new release. Your work is saved.'
  const closed = await fetch(adminUrl + '/v1/close', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason, until }) })
  if (!closed.ok) throw new Error(`could not close the site: ${closed.status} ${await closed.text()}`)

  const template = readFileSync(join(root, 'maintenance-pages', 'default.html'))
  const pageAnswer = await fetch(publicUrl + '/', { headers: { accept: 'text/html' } })
  const html = Buffer.from(await pageAnswer.arrayBuffer())
  const pageHeaders = [...pageAnswer.headers].map(([name, value]) => ({ name, value }))
  const poll = await pollAsTheBrowserSendsIt(publicUrl)

  // warm up, then measure the gatekeeper's own CPU time over one bounded wrk run
  wrk(publicUrl + '/__gatekeeper/status')
  child.send('cpu')
  const before = cpuMicros((await next()).cpu)
  const load = wrk(publicUrl + '/__gatekeeper/status')
  child.send('cpu')
  const after = cpuMicros((await next()).cpu)
  const cpuPerPoll = (after - before) / load.requests

  report = {
    page: {
      templateBytes: template.length,
      renderedBytes: html.length,
      gzipBytes: gzipSync(html, { level: 6 }).length,
      brotliBytes: brotliCompressSync(html).length,
      responseHeaderBytes: wireBytes(`HTTP/1.1 ${pageAnswer.status} Service Unavailable`, pageHeaders, 0),
      status: pageAnswer.status,
      reasonChars: reason.length
    },
    poll: { ...poll, cpuMicros: Math.round(cpuPerPoll * 10) / 10 },
    load: { ...load, seconds, connections, cpuCoresUsed: Math.round((after - before) / (seconds * 1e6) * 100) / 100 }
  }
} finally {
  child.send('stop')
  await new Promise((resolve) => child.once('exit', resolve))
  rmSync(dir, { recursive: true, force: true })
}

mkdirSync(join(root, 'bench', 'out'), { recursive: true })
writeFileSync(join(root, 'bench', 'out', 'page-weight.json'), JSON.stringify(report, null, 2) + '\n')
const { page, poll, load } = report
const pollBytes = poll.request + poll.response
console.log(`default page: template ${page.templateBytes} B, rendered ${page.renderedBytes} B (${page.reasonChars}-character reason), gzip ${page.gzipBytes} B, brotli ${page.brotliBytes} B, headers ${page.responseHeaderBytes} B`)
console.log(`one status poll (Chromium, HTTP/1.1): request ${poll.request} B, response ${poll.response} B (body ${poll.responseBody} B), ${pollBytes} B in all`)
console.log(`gatekeeper CPU per poll: ${poll.cpuMicros} µs (wrk: ${load.requests} polls in ${load.seconds} s, ${load.perSecond} polls/s over ${load.connections} connections, ${load.non2xx} non-2xx, ${load.cpuCoresUsed} cores)`)
console.log('per waiting client, polling once every 30 s on average:')
console.log(`  ${(pollBytes / 30).toFixed(1)} B/s on the wire, ${(poll.cpuMicros / 30).toFixed(2)} µs of gatekeeper CPU per second`)
console.log(`  10 000 clients: ${(10000 / 30).toFixed(0)} polls/s, ${(10000 * pollBytes / 30 / 1024).toFixed(0)} KiB/s, ${(10000 * poll.cpuMicros / 30 / 1e6 * 100).toFixed(1)} % of one core`)
