// Where a contender's CPU goes: Gatekeeper (or the bare proxy) under wrk
// load with --cpu-prof, then the profile summarised by self time, per
// function and per package.
//
//   npm run build && node bench/profile.js [open|open-tls|handshakes-tls|open-100k|closed|closed-tls|staged-50|bare|floor] [--seconds 10] [--top 30]
//
// open-tls and closed-tls: the same over a TLS listener (a self-signed ECDSA P-256
// certificate made with openssl for the run), wrk over https with keep-alive.
// floor: bench/floor-proxy.js (Node's HTTP server and an undici pool, nothing
// else) on plain HTTP, started with the shipped node flags.
// handshakes-tls: the same listener, loaded by bench/harness/handshakes.js (a new
// connection, and so a full handshake, per request) instead of wrk.
//
// The summary is what bench/RESULTS.md quotes; the raw .cpuprofile is kept
// in bench/out/ for Chrome DevTools.

import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { allowlistOf } from './harness/allowlist.js'
import { ROOT, gatekeeperConfig, shippedLaunch, startGatekeeperContender } from './harness/gatekeeper.js'
import { jsonLineWith, runBench, startPinned } from './harness/processes.js'
import { runWrk } from './harness/wrk.js'
import { runHandshakes } from './harness/handshake-load.js'

const OUT_DIR = join(import.meta.dirname, 'out')

function option (argv, name, fallback) {
  const at = argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(argv[at + 1])
  if (!Number.isInteger(value) || value < 1 || value > 120) throw new Error(`--${name} must be a whole number from 1 to 120`)
  return value
}

/** Where a profile node's code lives: a package, Node's own code, Gatekeeper's, or V8's bookkeeping. */
function placeOf (url, functionName) {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0]
  const path = url.startsWith('file://') ? new URL(url).pathname : url
  const inModules = path.lastIndexOf('/node_modules/')
  if (inModules !== -1) {
    const rest = path.slice(inModules + 14).split('/')
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]
  }
  return relative(ROOT, path).startsWith('dist/src') ? 'gatekeeper (src/)' : relative(ROOT, path)
}

/**
 * Self time per function and per place, from a V8 .cpuprofile, counting
 * only the samples taken `skipUs` or more after the profile began (start-up
 * and warm-up are not the steady state under load).
 */
export function summarise (profile, top, skipUs = 0, requests = 0) {
  const selfUs = new Map()
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const deltas = profile.timeDeltas
  let at = 0
  for (let i = 0; i < profile.samples.length; i++) {
    at += deltas[i] ?? 0
    if (at < skipUs) continue
    const id = profile.samples[i]
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0))
  }
  let total = 0
  let idle = 0
  const functions = new Map()
  const places = new Map()
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)
    if (callFrame.functionName === '(idle)') {
      idle += us
      continue
    }
    total += us
    const place = placeOf(callFrame.url, callFrame.functionName)
    const file = callFrame.url === '' ? '' : relative(ROOT, callFrame.url.startsWith('file://') ? new URL(callFrame.url).pathname : callFrame.url)
    const name = `${callFrame.functionName || '(anonymous)'} ${file}${file === '' ? '' : `:${callFrame.lineNumber + 1}`}`
    functions.set(name, (functions.get(name) ?? 0) + us)
    places.set(place, (places.get(place) ?? 0) + us)
  }
  const share = (us) => `${(us / total * 100).toFixed(1)} %`
  const lines = [`busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s${requests > 0 ? `; busy ${(total / requests).toFixed(1)} µs per request on the main thread` : ''}`, '', '| where | self time |', '|---|---:|']
  for (const [place, us] of [...places].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`| ${place} | ${share(us)} |`)
  lines.push('', '| function | self time |', '|---|---:|')
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`| \`${name}\` | ${share(us)} |`)
  return lines.join('\n') + '\n'
}

function certificate (dir) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'bench.key', '-out', 'bench.crt',
    '-days', '2', '-subj', '/CN=bench.test', '-addext', 'subjectAltName=DNS:bench.test'], { cwd: dir, stdio: 'ignore' })
  return { cert: join(dir, 'bench.crt'), key: join(dir, 'bench.key') }
}

async function main () {
  const argv = process.argv.slice(2)
  const which = argv[0] !== undefined && !argv[0].startsWith('--') ? argv[0] : 'open'
  const seconds = option(argv, 'seconds', 10)
  const top = option(argv, 'top', 30)
  const dir = mkdtempSync(join(tmpdir(), 'gk-profile-'))
  const profiles = join(dir, 'profiles')
  const running = []
  try {
    const upstream = await startPinned({ name: 'upstream', cpus: '0', command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') })
    running.push(upstream)
    const nodeFlags = ['--cpu-prof', '--cpu-prof-dir', profiles]
    const spawnedAt = Date.now()
    let target
    if (which === 'bare') {
      target = await startPinned({ name: 'bare', cpus: '1', command: process.execPath, args: [...nodeFlags, join(import.meta.dirname, 'bare-proxy.js'), upstream.value.url], ready: jsonLineWith('url') })
      target.url = target.value.url + '/'
    } else if (which === 'floor') {
      // the same node flags as the shipped Gatekeeper's, on its plain listener
      const cert = certificate(dir)
      target = await startPinned({ name: 'floor', cpus: '1', command: process.execPath, env: { ...process.env, ...shippedLaunch().env }, args: [...shippedLaunch().nodeFlags, ...nodeFlags, join(import.meta.dirname, 'floor-proxy.js'), upstream.value.url, cert.cert, cert.key], ready: jsonLineWith('plainUrl') })
      target.url = target.value.plainUrl
    } else {
      const modes = { open: 'open', 'open-tls': 'open', 'handshakes-tls': 'open', 'open-100k': 'open', closed: 'closed', 'closed-tls': 'closed', 'staged-50': 'open' }
      if (modes[which] === undefined) throw new Error(`no such profile target: ${which} (${Object.keys(modes).join(', ')}, bare)`)
      // the key header is read from trusted proxies only: wrk stands in for the API gateway
      const extra = which === 'staged-50' ? { staged: { keyHeader: 'x-client-key' }, trustedProxies: ['127.0.0.1/32'] } : {}
      if (which.endsWith('-tls')) extra.listen = { host: '127.0.0.1', port: 0, tls: { certs: [certificate(dir)] } }
      target = await startGatekeeperContender({
        name: which,
        dir: join(dir, which),
        cpus: '1',
        launch: { env: shippedLaunch().env, nodeFlags: [...shippedLaunch().nodeFlags, ...nodeFlags] },
        config: gatekeeperConfig({ dir: join(dir, which), upstreamUrl: upstream.value.url, allowlist: allowlistOf(which === 'open-100k' ? 100_000 : 10), initialMode: modes[which], extra })
      })
      if (which === 'staged-50') await target.admin('POST', '/v1/stage', { percent: 50 })
    }
    running.push(target)
    const script = which === 'staged-50' ? join(import.meta.dirname, 'staged-keys.lua') : undefined
    // the JIT warms up by requests, not seconds: on a loaded machine 5 s may be a thousand requests
    const load = which === 'handshakes-tls'
      ? async (s) => { const r = await runHandshakes({ port: Number(new URL(target.url).port), seconds: s, concurrency: 8, cpu: '0' }); return { requests: r.handshakes, seconds: r.seconds, rps: r.rate } }
      : async (s) => await runWrk({ url: target.url, seconds: s, connections: 32, cpu: '0', script })
    let warmed = 0
    for (let run = 0; run < 8 && warmed < 20_000; run++) warmed += (await load(5)).requests
    // the profile's clock starts with the process: what came before the measured run is left out
    const skipUs = (Date.now() - spawnedAt) * 1000
    const result = await load(seconds)
    // the profile is written when the process exits on its own
    await target.stop('SIGTERM')
    running.pop()
    const [file] = readdirSync(profiles).filter((name) => name.endsWith('.cpuprofile'))
    if (file === undefined) throw new Error('no profile was written')
    mkdirSync(OUT_DIR, { recursive: true })
    copyFileSync(join(profiles, file), join(OUT_DIR, `${which}.cpuprofile`))
    const summary = `### CPU profile: ${which}, the measured ${result.seconds.toFixed(0)} s only (after ${warmed} requests of warm-up): ${result.requests} requests (${result.rps.toFixed(0)} req/s under the profiler)\n\n` +
      summarise(JSON.parse(readFileSync(join(profiles, file), 'utf8')), top, skipUs, result.requests)
    writeFileSync(join(OUT_DIR, `${which}.profile.md`), summary)
    process.stdout.write(summary)
  } finally {
    for (const proc of running.reverse()) await proc.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main, 'profile')
