// The proxy benchmark: Gatekeeper against bare @fastify/http-proxy, nginx
// and the upstream itself, on loopback, in one run.
//
//   npm run bench
//   node bench/run.js [--seconds 5] [--warmup 1] [--rounds 3] [--connections 32]
//                     [--only direct,bare,open,nodes-1,nodes-2,sites-1,sites-50,...] [--requests 1000000]
//                     [--no-memory] [--no-workers]
//
// Core 1 runs the contender being measured (one at a time; the others idle);
// core 0 runs wrk and the upstream. Contenders are interleaved (A B C … A B C
// …), each measured for --seconds after a --warmup, and every figure is the
// median of the rounds; ratios are taken round by round, then the median.
// CPU per request is the contender's utime + stime (/proc) over the requests
// wrk completed: the steadiest figure on a shared machine.

import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { allowlistOf } from './harness/allowlist.js'
import { CLI, ROOT, gatekeeperConfig, startGatekeeperContender } from './harness/gatekeeper.js'
import { NGINX, startNginx } from './harness/nginx.js'
import { coreBusySince, coreTimes, cpuReading, cpuSince, processTree, rssBytesOf, sampleRss } from './harness/proc.js'
import { jsonLineWith, runBench, startPinned, freePort } from './harness/processes.js'
import { renderReport } from './harness/report.js'
import { runWrk } from './harness/wrk.js'

const LOAD_CPU = '0'
const PROXY_CPU = '1'
const ALL_CPUS = '0-1'
const STAGED_SCRIPT = join(import.meta.dirname, 'staged-keys.lua')
const OUT_DIR = join(import.meta.dirname, 'out')

function options (argv) {
  const number = (name, fallback, min, max) => {
    const at = argv.indexOf(`--${name}`)
    if (at === -1) return fallback
    const value = Number(argv[at + 1])
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${argv[at + 1]}`)
    return value
  }
  const only = argv.indexOf('--only')
  return {
    seconds: number('seconds', 5, 1, 60),
    warmup: number('warmup', 1, 0, 30),
    rounds: number('rounds', 3, 1, 15),
    connections: number('connections', 32, 1, 1000),
    requests: number('requests', 1_000_000, 10_000, 10_000_000),
    only: only === -1 ? null : new Set(argv[only + 1].split(',')),
    memory: !argv.includes('--no-memory'),
    workers: !argv.includes('--no-workers')
  }
}

function versionOf (command, args) {
  try {
    return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim().split('\n')[0]
  } catch (err) {
    // nginx -v writes to stderr and wrk -v exits 1: both still say their version
    return `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n')[0]
  }
}

function packageVersion (name) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
}

function machine () {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: versionOf('uname', ['-sr']),
    node: process.version,
    wrk: versionOf('wrk', ['-v']),
    nginx: versionOf(NGINX, ['-v']),
    fastify: packageVersion('fastify'),
    httpProxy: packageVersion('@fastify/http-proxy'),
    replyFrom: packageVersion('@fastify/reply-from'),
    undici: packageVersion('undici'),
    loadBefore: loadavg().map((n) => n.toFixed(2)).join(' ')
  }
}

function checkPrerequisites () {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run "npm run build" (npm run bench does)')
  for (const [command, args] of [['wrk', ['-v']], ['taskset', ['-V']], [NGINX, ['-v']]]) {
    try {
      execFileSync(command, args, { stdio: 'ignore' })
    } catch (err) {
      if (err.code === 'ENOENT') throw new Error(`${command} is needed (Debian: apt-get install wrk nginx util-linux)`)
    }
  }
  if (cpus().length < 2) throw new Error('the bench pins the load and the contender to two different cores: it needs at least 2')
}

/**
 * `count` sites, all on the bench's upstream: the measured one (`default`,
 * every path of 127.0.0.1), then sites on 127.0.0.1 under path prefixes, on
 * exact host names and on wildcards, so the choice walks a realistic table.
 */
function benchSites (count, upstreamUrl) {
  const sites = [{ name: 'default', hosts: ['127.0.0.1'], upstream: upstreamUrl }]
  for (let i = 1; i < count; i++) {
    const kind = i % 3
    const site = { name: `app${i}`, upstream: upstreamUrl }
    if (i <= 20) sites.push({ ...site, hosts: ['127.0.0.1'], paths: [`/app${i}/*`] })
    else if (kind === 0) sites.push({ ...site, hosts: [`*.tenant${i}.example.test`] })
    else sites.push({ ...site, hosts: [`app${i}.example.test`], ...(kind === 1 ? { paths: ['/api/*'] } : {}) })
  }
  return sites
}

async function startUpstream (name, cpu) {
  return await startPinned({ name, cpus: cpu, command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') })
}

/** Each contender answers what it should before it is measured: a bench of error pages proves nothing. */
async function probe (contender) {
  const response = await fetch(contender.url, { headers: contender.probeHeaders ?? {} })
  const body = await response.text()
  if (response.status !== contender.expectStatus) throw new Error(`${contender.key} answered ${response.status}, expected ${contender.expectStatus}: ${body.slice(0, 300)}`)
  if (contender.expectStatus === 200 && body.length !== 1024) throw new Error(`${contender.key} answered ${body.length} bytes, expected the upstream's 1024`)
  return body
}

/** One measured run of one contender: wrk's figures, the contender's CPU and peak RSS. */
async function measure (contender, seconds, connections) {
  const pids = processTree(contender.pid)
  const cpuBefore = cpuReading(pids)
  const coresBefore = coreTimes()
  const rss = sampleRss(pids)
  const result = await runWrk({ url: contender.url, seconds, connections, cpu: contender.loadCpu ?? LOAD_CPU, script: contender.script })
  const cpu = cpuSince(cpuBefore)
  const coreBusy = coreBusySince(coresBefore)
  return {
    ...result,
    cpuSeconds: cpu.total,
    cpuUsPerRequest: cpu.total / result.requests * 1e6,
    systemShare: cpu.system / cpu.total,
    // the contender's share of the wall time, and how busy each core was (with everyone else's work)
    contenderBusy: cpu.total / result.seconds,
    coreBusy,
    rssBytes: rss.stop(),
    passShare: 1 - result.non2xx / result.requests
  }
}

/** Rounds of interleaved measurements: A B C … then again, each after a short warm-up. */
async function interleave (contenders, opts, label) {
  const rounds = new Map(contenders.map((c) => [c.key, []]))
  for (let round = 1; round <= opts.rounds; round++) {
    for (const contender of contenders) {
      if (opts.warmup > 0) await runWrk({ url: contender.url, seconds: opts.warmup, connections: opts.connections, cpu: contender.loadCpu ?? LOAD_CPU, script: contender.script })
      const figures = await measure(contender, opts.seconds, opts.connections)
      rounds.get(contender.key).push(figures)
      process.stderr.write(`${label} round ${round}/${opts.rounds} ${contender.key.padEnd(14)} ${figures.rps.toFixed(0).padStart(7)} req/s  ` +
        `p50 ${figures.p50Ms.toFixed(2)} ms  p99 ${figures.p99Ms.toFixed(2)} ms  ${figures.cpuUsPerRequest.toFixed(1)} µs CPU/req (${(figures.systemShare * 100).toFixed(0)} % sys)  ` +
        `RSS ${(figures.rssBytes / 2 ** 20).toFixed(0)} MB  cores ${figures.coreBusy.map((b) => (b * 100).toFixed(0)).join('/')} %${figures.passShare < 0.999 ? `  2xx ${(figures.passShare * 100).toFixed(1)} %` : ''}\n`)
    }
  }
  return rounds
}

/**
 * RSS over a bounded number of requests: wrk in chunks until `requests` are
 * done (or 60 chunks), the RSS read after each, to see whether it is flat.
 */
async function memoryRun (contender, opts) {
  const pids = processTree(contender.pid)
  const points = [{ requests: 0, rssBytes: rssBytesOf(pids) }]
  let total = 0
  const chunkSeconds = 10
  for (let chunk = 0; chunk < 60 && total < opts.requests; chunk++) {
    const rss = sampleRss(pids)
    const result = await runWrk({ url: contender.url, seconds: chunkSeconds, connections: opts.connections, cpu: LOAD_CPU })
    total += result.requests
    points.push({ requests: total, rssBytes: rssBytesOf(pids), peakBytes: rss.stop() })
    process.stderr.write(`memory ${contender.key}: ${total} requests, RSS ${(points.at(-1).rssBytes / 2 ** 20).toFixed(1)} MB\n`)
  }
  return points
}

async function main () {
  const opts = options(process.argv.slice(2))
  checkPrerequisites()
  const info = { ...machine(), options: { ...opts, only: opts.only === null ? null : [...opts.only] }, startedAt: new Date().toISOString() }
  const dir = mkdtempSync(join(tmpdir(), 'gk-bench-'))
  const running = []
  const keep = (proc) => { running.push(proc); return proc }
  try {
    const upstream = keep(await startUpstream('upstream', LOAD_CPU))
    const upstreamUrl = upstream.value.url
    const wanted = (key) => opts.only === null || opts.only.has(key)
    const contenders = []

    if (wanted('direct')) {
      const direct = keep(await startUpstream('direct', PROXY_CPU))
      contenders.push({ key: 'direct', label: 'upstream direct (Node, 1 KB)', pid: direct.pid, url: direct.value.url + '/', expectStatus: 200 })
    }
    if (wanted('bare')) {
      const bare = keep(await startPinned({ name: 'bare', cpus: PROXY_CPU, command: process.execPath, args: [join(import.meta.dirname, 'bare-proxy.js'), upstreamUrl], ready: jsonLineWith('url') }))
      contenders.push({ key: 'bare', label: 'bare @fastify/http-proxy', pid: bare.pid, url: bare.value.url + '/', expectStatus: 200 })
    }
    const gatekeeper = async (key, label, config, setUp, launch = undefined) => {
      if (!wanted(key)) return null
      const gk = keep(await startGatekeeperContender({ name: key, dir: join(dir, key), cpus: PROXY_CPU, launch, config: gatekeeperConfig({ dir: join(dir, key), upstreamUrl, ...config }) }))
      if (setUp !== undefined) await setUp(gk)
      const contender = { key, label, pid: gk.pid, url: gk.url, expectStatus: 200 }
      contenders.push(contender)
      return contender
    }
    await gatekeeper('open', 'Gatekeeper open (10 allowlist entries)', { allowlist: allowlistOf(10) })
    // node with its defaults, as before the shipped script set V8's and malloc's sizes
    await gatekeeper('open-untuned', 'Gatekeeper open, plain node (no memory settings)', { allowlist: allowlistOf(10) }, undefined, { env: {}, nodeFlags: [] })
    await gatekeeper('open-100k', 'Gatekeeper open, 100 000 allowlist entries', { allowlist: allowlistOf(100_000) })
    const staged = await gatekeeper('staged-50', 'Gatekeeper staged 50 % (keyed clients)', { extra: { staged: { keyHeader: 'x-client-key' }, trustedProxies: ['127.0.0.1/32'] } },
      (gk) => gk.admin('POST', '/v1/stage', { percent: 50 }))
    if (staged !== null) {
      staged.script = STAGED_SCRIPT
      staged.probeHeaders = { 'x-client-key': 'probe' }
      staged.expectStatus = (await fetch(staged.url, { headers: staged.probeHeaders })).status
    }
    // the same open path through the node list: one node, then two (the upstream's two ports:
    // two origins, two pools, the same upstream process, so the load core's work is the same)
    if (wanted('nodes-1') || wanted('nodes-2')) {
      const nodeA = { name: 'a', url: upstreamUrl }
      const nodeB = { name: 'b', url: upstream.value.secondUrl }
      await gatekeeper('nodes-1', 'Gatekeeper open, upstream.nodes: one node', { allowlist: allowlistOf(10), extra: { upstream: { nodes: [nodeA] } } })
      await gatekeeper('nodes-2', 'Gatekeeper open, upstream.nodes: two nodes', { allowlist: allowlistOf(10), extra: { upstream: { nodes: [nodeA, nodeB] } } })
    }
    // choosing the site (decision step 0): one site, then 50 (exact hosts, wildcards and path
    // prefixes, the measured one on the bench's host after 20 path-prefixed sites on that host)
    if (wanted('sites-1') || wanted('sites-50')) {
      await gatekeeper('sites-1', 'Gatekeeper open, sites: one site', { allowlist: allowlistOf(10), extra: { upstream: undefined, sites: benchSites(1, upstreamUrl) } })
      await gatekeeper('sites-50', 'Gatekeeper open, sites: 50 sites', { allowlist: allowlistOf(10), extra: { upstream: undefined, sites: benchSites(50, upstreamUrl) } })
    }
    const closed = await gatekeeper('closed', 'Gatekeeper closed (503 page)', { initialMode: 'closed' })
    if (closed !== null) closed.expectStatus = 503

    if (wanted('nginx') || wanted('nginx-503')) {
      const proxyPort = await freePort()
      const closedPort = await freePort()
      // nginx sends the very page Gatekeeper sends, so the two 503s weigh the same
      const page = closed === null ? '<!doctype html><title>Maintenance</title><p>Down for maintenance.</p>\n' : await probe(closed)
      const nginx = keep(await startNginx({ dir: join(dir, 'nginx'), cpus: PROXY_CPU, upstreamPort: new URL(upstreamUrl).port, proxyPort, closedPort, maintenancePage: page }))
      if (wanted('nginx')) contenders.push({ key: 'nginx', label: 'nginx proxy_pass, upstream keepalive', pid: nginx.pid, url: `http://127.0.0.1:${proxyPort}/`, expectStatus: 200 })
      if (wanted('nginx-503')) contenders.push({ key: 'nginx-503', label: 'nginx return 503 (same page)', pid: nginx.pid, url: `http://127.0.0.1:${closedPort}/`, expectStatus: 503 })
    }
    for (const contender of contenders) await probe(contender)

    const rounds = await interleave(contenders, opts, 'proxy')

    const memory = {}
    for (const key of opts.memory ? ['open', 'open-untuned'] : []) {
      const contender = contenders.find((c) => c.key === key)
      if (contender !== undefined) memory[key] = await memoryRun(contender, opts)
    }

    let workers = null
    let scaledLabels = []
    if (opts.workers && wanted('workers')) {
      const scaled = []
      // open needs the upstream's CPU too; closed (the 503 page) needs only wrk's, which leaves a worker a core to use
      for (const mode of ['open', 'closed']) {
        for (const count of [1, 2]) {
          const key = `workers-${count}-${mode}`
          const gk = keep(await startGatekeeperContender({ name: key, dir: join(dir, key), cpus: ALL_CPUS, config: gatekeeperConfig({ dir: join(dir, key), upstreamUrl, allowlist: allowlistOf(10), workers: count, initialMode: mode }) }))
          scaled.push({ key, label: `Gatekeeper ${mode}, workers: ${count} (cores 0-1)`, pid: gk.pid, url: gk.url, expectStatus: mode === 'open' ? 200 : 503, loadCpu: LOAD_CPU })
        }
      }
      for (const contender of scaled) await probe(contender)
      workers = await interleave(scaled, opts, 'workers')
      scaledLabels = scaled.map(({ key, label }) => [key, label])
    }

    info.loadAfter = loadavg().map((n) => n.toFixed(2)).join(' ')
    info.finishedAt = new Date().toISOString()
    const results = {
      machine: info,
      contenders: contenders.map(({ key, label }) => ({ key, label })),
      rounds: Object.fromEntries(rounds),
      memory,
      workers: workers === null ? null : Object.fromEntries(workers),
      workerLabels: workers === null ? null : Object.fromEntries(scaledLabels)
    }
    mkdirSync(OUT_DIR, { recursive: true })
    writeFileSync(join(OUT_DIR, 'proxy-bench.json'), JSON.stringify(results, null, 2) + '\n')
    const report = renderReport(results)
    writeFileSync(join(OUT_DIR, 'proxy-bench.md'), report)
    process.stdout.write(report)
  } finally {
    for (const proc of running.reverse()) await proc.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main)
