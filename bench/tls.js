// The TLS benchmark: Gatekeeper terminating TLS beside nginx terminating TLS,
// with the same certificate (ECDSA P-256, made with openssl for the run),
// the same protocols (TLS 1.2 and 1.3; 1.3 is negotiated) and the same
// upstream, on loopback, in one run. Plain-HTTP runs of both show what TLS
// adds.
//
//   node bench/tls.js [--seconds 5] [--rounds 5] [--warmup 5] [--warmup-requests 50000] [--rewarm 2] [--connections 32]
//                     [--handshakes 5] [--concurrency 8] [--before DIR] [--single] [--floor] [--variant-flags FLAGS]
//
// As in bench/run.js: the contender is pinned to core 1, the load (wrk, the
// handshake client) and the upstream to core 0. First the "cold" round, as
// this bench measured before: 1 s of wrk, then one measured run, per
// contender. Then the warm-up proper: every contender gets wrk runs of
// `--warmup` seconds until it has served `--warmup-requests` (at most 12 runs),
// and then the whole list once more (one process serves TLS and plain: the
// code both share is compiled again when the other kind of socket comes; a
// second pass finds it settled). A JIT warms up by requests, not seconds: on
// a loaded machine 5 s may be 1 000 requests, and then Turbofan was still a
// quarter of the process's CPU (perf). Then the contenders take turns round
// by round (the order reversed every other round, so a drift of the
// neighbours' load does not favour one), and ratios are taken within a round
// and reported as the median and the range over the rounds. Two figures:
//  - keep-alive: wrk over https (it keeps its connections, so this is the
//    record layer's cost), requests/s and the contender's CPU per request
//    (utime + stime of its process tree from /proc, and the kernel's share);
//  - full handshakes (`--handshakes 0` skips them): bench/harness/handshakes.js,
//    a bounded Node loop that opens a new connection per request (no session
//    resumption), handshakes per second and the contender's CPU per
//    handshake. The client is as busy as the server here, so the CPU per
//    handshake is the steadier figure.
// `--before DIR`: a second Gatekeeper built from another tree (DIR holds its
// dist/src/cli.js, e.g. an earlier commit's `git archive` built with tsc and
// this tree's node_modules linked in), measured in the same rounds: before
// and after a change, side by side under the same neighbours.
// `--rewarm S`: S seconds of wrk, unmeasured, before each measured run (0:
// none), so that every measured run starts from traffic. Under heavy load a
// Gatekeeper left idle for the 15-25 s the other contenders take was seen to
// come back at twice its CPU per request (runs D and E in bench/RESULTS.md);
// at lower load it was not (run F), and why is not settled.
// `--variant-flags "--flag …"`: one more Gatekeeper, started with these node
// flags after the shipped ones.
// `--floor`: bench/floor-proxy.js beside them, the same Node servers and
// undici pool with nothing of Gatekeeper's (same flags, same TLS terms): the
// cheapest proxy this stack allows, and so the bound of what any work on
// Gatekeeper's own code could reach against nginx.
// `--single`: two more Gatekeepers, one with only the TLS listener and one
// with only the plain one (the main one serves both from one process).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatekeeperConfig, shippedLaunch, startGatekeeperContender } from './harness/gatekeeper.js'
import { certificate, startNginxTls } from './harness/tls.js'
import { coreBusySince, coreTimes, cpuReading, cpuSince, processTree } from './harness/proc.js'
import { jsonLineWith, runBench, startPinned, freePort } from './harness/processes.js'
import { median, pairedRatio, spread } from './harness/stats.js'
import { runWrk } from './harness/wrk.js'
import { beforeCli, wholeOption } from './harness/args.js'
import { runHandshakes } from './harness/handshake-load.js'

const OUT_DIR = join(import.meta.dirname, 'out')
const LOAD_CPU = '0'
const PROXY_CPU = '1'

const opts = {
  seconds: wholeOption('seconds', 5),
  rounds: wholeOption('rounds', 5),
  warmup: wholeOption('warmup', 5),
  warmupRequests: wholeOption('warmup-requests', 50000, 0, 10_000_000),
  rewarm: wholeOption('rewarm', 2, 0),
  connections: wholeOption('connections', 32),
  handshakes: wholeOption('handshakes', 5, 0),
  concurrency: wholeOption('concurrency', 8),
  before: beforeCli(),
  single: process.argv.includes('--single'),
  floor: process.argv.includes('--floor'),
  variantFlags: process.argv.includes('--variant-flags') ? (process.argv[process.argv.indexOf('--variant-flags') + 1] ?? '').split(' ').filter((f) => f !== '') : []
}

function handshakes (port, seconds, concurrency) {
  return runHandshakes({ port, seconds, concurrency, cpu: LOAD_CPU })
}

async function measureWrk (contender) {
  const before = cpuReading(processTree(contender.pid))
  const cores = coreTimes()
  const result = await runWrk({ url: contender.url, seconds: opts.seconds, connections: opts.connections, cpu: LOAD_CPU })
  const cpu = cpuSince(before)
  return {
    rps: result.rps,
    p99Ms: result.p99Ms,
    cpuUsPerRequest: cpu.total / result.requests * 1e6,
    systemShare: cpu.total > 0 ? cpu.system / cpu.total : NaN,
    coreBusy: coreBusySince(cores),
    load1: loadavg()[0],
    non2xx: result.non2xx,
    errors: result.socketErrors
  }
}

async function measureHandshakes (contender) {
  const before = cpuReading(processTree(contender.pid))
  const result = await handshakes(contender.port, opts.handshakes, opts.concurrency)
  const cpu = cpuSince(before)
  return { rate: result.rate, cpuUsPerHandshake: cpu.total / result.handshakes * 1e6, errors: result.errors, protocols: result.protocols }
}

const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const percent = (value) => `${fixed(value * 100, 0)} %`
const loadNow = () => loadavg().map((n) => n.toFixed(2)).join(' ')

function table (header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)]
}

/** One paired ratio as a table row: median, and the range over the rounds. */
function ratioRow (label, set, a, b, figure, target = '') {
  if (!set.has(a) || !set.has(b)) return null
  const r = pairedRatio(set.get(a), set.get(b), figure)
  return [label, `${fixed(r.median, 2)}×`, `${fixed(r.min, 2)}–${fixed(r.max, 2)}`, target]
}

function report ({ contenders, rounds, shakes, cold, warmedBy, loadBefore, loadAfter }) {
  const of = (key, figure) => rounds.get(key).map((f) => f[figure])
  const lines = [
    `TLS bench of ${new Date().toISOString()}: ${opts.rounds} interleaved rounds × ${opts.seconds} s per contender${opts.rewarm > 0 ? ` (each after ${opts.rewarm} s unmeasured)` : ''} after a warm-up of ${contenders.map((c) => `${c.key} ${warmedBy.get(c.key)}`).join(', ')} requests, wrk -t1 -c${opts.connections} keep-alive; ` +
      `handshake loops ${opts.handshakes === 0 ? 'skipped' : `${opts.concurrency} × ${opts.handshakes} s`}. Contender on core 1, wrk and the upstream on core 0. ` +
      `Load average before ${loadBefore}, after ${loadAfter}; 1-min load at each measured run ${fixed(Math.min(...[...rounds.values()].flat().map((f) => f.load1)), 2)}–${fixed(Math.max(...[...rounds.values()].flat().map((f) => f.load1)), 2)}.`,
    '',
    ...table(['keep-alive (wrk)', 'req/s', '± rounds', 'CPU µs/req', '± rounds', 'of it kernel', 'p99 ms', 'cores 0/1 busy, by round'], contenders.map((c) => [
      c.key,
      fixed(median(of(c.key, 'rps')), 0),
      percent(spread(of(c.key, 'rps'))),
      fixed(median(of(c.key, 'cpuUsPerRequest')), 1),
      percent(spread(of(c.key, 'cpuUsPerRequest'))),
      percent(median(of(c.key, 'systemShare'))),
      fixed(median(of(c.key, 'p99Ms')), 2),
      rounds.get(c.key).map((f) => f.coreBusy.map((busy) => fixed(busy * 100, 0)).join('/')).join(', ')
    ]))
  ]
  if (shakes.size > 0) {
    lines.push('', ...table(['full handshakes (new connection per request)', 'handshakes/s', '± rounds', 'µs CPU/handshake', '± rounds'], [...shakes.keys()].map((key) => {
      const runs = shakes.get(key)
      return [key, fixed(median(runs.map((f) => f.rate)), 0), percent(spread(runs.map((f) => f.rate))), fixed(median(runs.map((f) => f.cpuUsPerHandshake)), 0), percent(spread(runs.map((f) => f.cpuUsPerHandshake)))]
    })))
  }
  const rows = [
    ratioRow('keep-alive over TLS, req/s, Gatekeeper ÷ nginx', rounds, 'gk-tls', 'nginx-tls', 'rps', '≥ 0.5×'),
    ratioRow('keep-alive over TLS, CPU per request, nginx ÷ Gatekeeper (work per core)', rounds, 'nginx-tls', 'gk-tls', 'cpuUsPerRequest', '≥ 0.5×'),
    ratioRow('plain keep-alive, CPU per request, nginx ÷ Gatekeeper', rounds, 'nginx-plain', 'gk-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('plain keep-alive, req/s, Gatekeeper ÷ nginx', rounds, 'gk-plain', 'nginx-plain', 'rps', 'reference'),
    ratioRow('what TLS adds: Gatekeeper TLS ÷ plain, CPU per request', rounds, 'gk-tls', 'gk-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('what TLS adds: nginx TLS ÷ plain, CPU per request', rounds, 'nginx-tls', 'nginx-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('before: keep-alive over TLS, req/s, Gatekeeper ÷ nginx', rounds, 'gk-before-tls', 'nginx-tls', 'rps', 'reference'),
    ratioRow('before: keep-alive over TLS, CPU per request, nginx ÷ Gatekeeper', rounds, 'nginx-tls', 'gk-before-tls', 'cpuUsPerRequest', 'reference'),
    ratioRow('before: Gatekeeper TLS ÷ plain, CPU per request', rounds, 'gk-before-tls', 'gk-before-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('after ÷ before, TLS, CPU per request', rounds, 'gk-tls', 'gk-before-tls', 'cpuUsPerRequest', '< 1×'),
    ratioRow('after ÷ before, plain, CPU per request', rounds, 'gk-plain', 'gk-before-plain', 'cpuUsPerRequest', '≈ 1×'),
    ratioRow('variant ÷ shipped flags, TLS, CPU per request', rounds, 'gk-variant-tls', 'gk-tls', 'cpuUsPerRequest', 'reference'),
    ratioRow('variant ÷ shipped flags, plain, CPU per request', rounds, 'gk-variant-plain', 'gk-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('TLS only ÷ TLS beside plain in one process, CPU per request', rounds, 'gk-tls-only', 'gk-tls', 'cpuUsPerRequest', 'reference'),
    ratioRow('plain only ÷ plain beside TLS in one process, CPU per request', rounds, 'gk-plain-only', 'gk-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('TLS only ÷ plain only, CPU per request', rounds, 'gk-tls-only', 'gk-plain-only', 'cpuUsPerRequest', 'reference'),
    ratioRow('keep-alive over TLS, CPU per request, nginx ÷ Gatekeeper TLS only', rounds, 'nginx-tls', 'gk-tls-only', 'cpuUsPerRequest', 'reference'),
    ratioRow('keep-alive over TLS, req/s, Gatekeeper TLS only ÷ nginx', rounds, 'gk-tls-only', 'nginx-tls', 'rps', 'reference'),
    ratioRow('cold (1 s warm-up, as this bench was): keep-alive over TLS, req/s, Gatekeeper ÷ nginx', cold, 'gk-tls', 'nginx-tls', 'rps', 'reference'),
    ratioRow('cold: keep-alive over TLS, CPU per request, nginx ÷ Gatekeeper', cold, 'nginx-tls', 'gk-tls', 'cpuUsPerRequest', 'reference'),
    ratioRow('cold: Gatekeeper TLS ÷ plain, CPU per request', cold, 'gk-tls', 'gk-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('floor: keep-alive over TLS, CPU per request, nginx ÷ floor (the most Gatekeeper could reach on this stack)', rounds, 'nginx-tls', 'floor-tls', 'cpuUsPerRequest', 'reference'),
    ratioRow('floor: plain keep-alive, CPU per request, nginx ÷ floor', rounds, 'nginx-plain', 'floor-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('floor: keep-alive over TLS, CPU per request, Gatekeeper ÷ floor (what the gate adds)', rounds, 'gk-tls', 'floor-tls', 'cpuUsPerRequest', 'reference'),
    ratioRow('floor: plain keep-alive, CPU per request, Gatekeeper ÷ floor', rounds, 'gk-plain', 'floor-plain', 'cpuUsPerRequest', 'reference'),
    ratioRow('full handshakes/s, Gatekeeper ÷ nginx', shakes, 'gk-tls', 'nginx-tls', 'rate', 'reference'),
    ratioRow('CPU per full handshake, nginx ÷ Gatekeeper (work per core)', shakes, 'nginx-tls', 'gk-tls', 'cpuUsPerHandshake', '≥ 0.5×'),
    ratioRow('floor: CPU per full handshake, nginx ÷ floor', shakes, 'nginx-tls', 'floor-tls', 'cpuUsPerHandshake', 'reference'),
    ratioRow('floor: CPU per full handshake, Gatekeeper ÷ floor', shakes, 'gk-tls', 'floor-tls', 'cpuUsPerHandshake', 'reference')
  ].filter((row) => row !== null)
  lines.push('', 'Ratios within a round (median over the rounds, and their range):', '', ...table(['ratio', 'median', 'range', 'target'], rows))
  return lines.join('\n') + '\n'
}

/** One Gatekeeper with a TLS and a plain listener (the same process serves both), or only one of them (`only`). */
async function startGk ({ name, dir, upstreamUrl, cert, cli, only, nodeFlags = [] }) {
  const tls = { host: '127.0.0.1', port: 0, tls: { certs: [cert] } }
  const plain = { host: '127.0.0.1', port: await freePort() }
  const gk = await startGatekeeperContender({
    name,
    dir,
    cpus: PROXY_CPU,
    ...(cli === undefined ? {} : { cli }),
    ...(nodeFlags.length === 0 ? {} : { launch: { env: shippedLaunch(cli).env, nodeFlags: [...shippedLaunch(cli).nodeFlags, ...nodeFlags] } }),
    config: gatekeeperConfig({
      dir,
      upstreamUrl,
      extra: { listen: only === 'tls' ? [tls] : only === 'plain' ? [plain] : [tls, plain] }
    })
  })
  if (only !== undefined) return { gk, tlsPort: new URL(gk.url).port, plainPort: new URL(gk.url).port }
  const started = JSON.parse(gk.output().split('\n').find((l) => l.includes('"gatekeeper started"')))
  return { gk, tlsPort: new URL(gk.url).port, plainPort: started.publicUrls[1].split(':').at(-1) }
}

async function main () {
  const dir = mkdtempSync(join(tmpdir(), 'gk-bench-tls-'))
  const running = []
  const keep = (proc) => { running.push(proc); return proc }
  try {
    const cert = certificate(dir)
    const upstream = keep(await startPinned({ name: 'upstream', cpus: LOAD_CPU, command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') }))
    const upstreamUrl = upstream.value.url
    const after = await startGk({ name: 'gk', dir: join(dir, 'gk'), upstreamUrl, cert })
    keep(after.gk)
    const tlsPort = await freePort()
    const plainPort = await freePort()
    const nginx = keep(await startNginxTls({ dir: join(dir, 'nginx'), cpus: PROXY_CPU, upstreamPort: new URL(upstreamUrl).port, tlsPort, plainPort, cert }))
    const contenders = [
      { key: 'gk-tls', pid: after.gk.pid, url: `https://127.0.0.1:${after.tlsPort}/`, port: after.tlsPort },
      { key: 'nginx-tls', pid: nginx.pid, url: `https://127.0.0.1:${tlsPort}/`, port: tlsPort },
      { key: 'gk-plain', pid: after.gk.pid, url: `http://127.0.0.1:${after.plainPort}/` },
      { key: 'nginx-plain', pid: nginx.pid, url: `http://127.0.0.1:${plainPort}/` }
    ]
    if (opts.before !== undefined) {
      const before = await startGk({ name: 'gk-before', dir: join(dir, 'gk-before'), upstreamUrl, cert, cli: opts.before })
      keep(before.gk)
      contenders.splice(2, 0, { key: 'gk-before-tls', pid: before.gk.pid, url: `https://127.0.0.1:${before.tlsPort}/`, port: before.tlsPort })
      contenders.push({ key: 'gk-before-plain', pid: before.gk.pid, url: `http://127.0.0.1:${before.plainPort}/` })
    }
    if (opts.variantFlags.length > 0) {
      const variant = await startGk({ name: 'gk-variant', dir: join(dir, 'gk-variant'), upstreamUrl, cert, nodeFlags: opts.variantFlags })
      keep(variant.gk)
      contenders.splice(2, 0, { key: 'gk-variant-tls', pid: variant.gk.pid, url: `https://127.0.0.1:${variant.tlsPort}/`, port: variant.tlsPort })
      contenders.push({ key: 'gk-variant-plain', pid: variant.gk.pid, url: `http://127.0.0.1:${variant.plainPort}/` })
    }
    if (opts.floor) {
      const launch = shippedLaunch()
      const floor = keep(await startPinned({
        name: 'floor',
        cpus: PROXY_CPU,
        command: process.execPath,
        args: [...launch.nodeFlags, join(import.meta.dirname, 'floor-proxy.js'), upstreamUrl, cert.cert, cert.key],
        env: { ...process.env, ...launch.env },
        ready: jsonLineWith('tlsUrl')
      }))
      const floorTlsPort = new URL(floor.value.tlsUrl).port
      contenders.splice(2, 0, { key: 'floor-tls', pid: floor.pid, url: floor.value.tlsUrl, port: floorTlsPort })
      contenders.push({ key: 'floor-plain', pid: floor.pid, url: floor.value.plainUrl })
    }
    if (opts.single) {
      // a process that serves one kind of socket only: the code TLS and plain share is compiled for one kind
      const tlsOnly = await startGk({ name: 'gk-tls-only', dir: join(dir, 'gk-tls-only'), upstreamUrl, cert, only: 'tls' })
      keep(tlsOnly.gk)
      const plainOnly = await startGk({ name: 'gk-plain-only', dir: join(dir, 'gk-plain-only'), upstreamUrl, cert, only: 'plain' })
      keep(plainOnly.gk)
      contenders.splice(2, 0, { key: 'gk-tls-only', pid: tlsOnly.gk.pid, url: `https://127.0.0.1:${tlsOnly.tlsPort}/`, port: tlsOnly.tlsPort })
      contenders.push({ key: 'gk-plain-only', pid: plainOnly.gk.pid, url: `http://127.0.0.1:${plainOnly.plainPort}/` })
    }
    const loadBefore = loadNow()
    // the cold round: what this bench measured before, a 1 s warm-up and then the figures
    const cold = new Map(contenders.map((c) => [c.key, []]))
    for (const contender of contenders) {
      await runWrk({ url: contender.url, seconds: 1, connections: opts.connections, cpu: LOAD_CPU })
      const figures = await measureWrk(contender)
      cold.get(contender.key).push(figures)
      process.stderr.write(`cold ${contender.key.padEnd(16)} ${figures.rps.toFixed(0).padStart(7)} req/s ${figures.cpuUsPerRequest.toFixed(1)} µs CPU/req\n`)
    }
    const warmedBy = new Map(contenders.map((c) => [c.key, 0]))
    for (const pass of [1, 2]) {
      for (const contender of contenders) {
        for (let run = 0; run < 12; run++) {
          const warm = await runWrk({ url: contender.url, seconds: opts.warmup, connections: opts.connections, cpu: LOAD_CPU })
          if (warm.non2xx + warm.socketErrors > 0) throw new Error(`${contender.key}: ${warm.non2xx} non-2xx answers and ${warm.socketErrors} socket errors in the warm-up`)
          warmedBy.set(contender.key, warmedBy.get(contender.key) + warm.requests)
          if (pass === 2 || warmedBy.get(contender.key) >= opts.warmupRequests) break
        }
        process.stderr.write(`warm-up pass ${pass} ${contender.key.padEnd(16)} ${warmedBy.get(contender.key)} requests so far\n`)
      }
    }
    const rounds = new Map(contenders.map((c) => [c.key, []]))
    const shakes = new Map(opts.handshakes === 0 ? [] : contenders.filter((c) => c.port !== undefined).map((c) => [c.key, []]))
    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? contenders : [...contenders].reverse()
      for (const contender of order) {
        // a contender idle while the others ran may have let its compiled code go: a short unmeasured run first
        if (opts.rewarm > 0) await runWrk({ url: contender.url, seconds: opts.rewarm, connections: opts.connections, cpu: LOAD_CPU })
        const figures = await measureWrk(contender)
        rounds.get(contender.key).push(figures)
        process.stderr.write(`keep-alive round ${round} ${contender.key.padEnd(16)} ${figures.rps.toFixed(0).padStart(7)} req/s ${figures.cpuUsPerRequest.toFixed(1)} µs CPU/req (kernel ${percent(figures.systemShare)}) load ${figures.load1.toFixed(2)}${figures.non2xx + figures.errors > 0 ? ` (${figures.non2xx} non-2xx, ${figures.errors} errors)` : ''}\n`)
      }
      for (const contender of order.filter((c) => shakes.has(c.key))) {
        const figures = await measureHandshakes(contender)
        shakes.get(contender.key).push(figures)
        process.stderr.write(`handshakes round ${round} ${contender.key.padEnd(16)} ${figures.rate.toFixed(0).padStart(6)} /s ${figures.cpuUsPerHandshake.toFixed(0)} µs CPU/handshake ${JSON.stringify(figures.protocols)}${figures.errors > 0 ? ` ${figures.errors} errors` : ''}\n`)
      }
    }
    const loadAfter = loadNow()
    // every round's figures, for a later look (bench/out/ is not committed)
    mkdirSync(OUT_DIR, { recursive: true })
    const raw = join(OUT_DIR, `tls-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(raw, JSON.stringify({ opts, loadBefore, loadAfter, warmedBy: Object.fromEntries(warmedBy), cold: Object.fromEntries(cold), rounds: Object.fromEntries(rounds), shakes: Object.fromEntries(shakes) }, null, 1))
    process.stderr.write(`every round's figures: ${raw}\n`)
    process.stdout.write(report({ contenders, rounds, shakes, cold, warmedBy, loadBefore, loadAfter }))
  } finally {
    for (const proc of running.reverse()) await proc.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main)
