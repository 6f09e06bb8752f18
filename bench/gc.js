// What the garbage collector costs per request: Gatekeeper alone, or beside
// an earlier build of itself (`--before DIR`, as in bench/tls.js) in one run. Each contender runs with the shipped
// node flags plus --trace-gc; the rounds alternate between them (the order
// reversed every other round) at 4 and at 32 connections, and each round
// reads, from the GC trace of its own measured seconds only:
//  - mark-compacts per 10 000 requests (the old generation filled);
//  - milliseconds of GC pauses (scavenges and mark-compacts) per 1 000 requests;
//  - the p99 latency wrk saw, and the contender's CPU per request.
// Then, over a TLS listener, full handshakes (a new connection per request,
// bench/harness/handshakes.js, 8 loops): the same figures per handshake.
//
//   npm run build && node bench/gc.js [--before DIR] [--rounds 4] [--seconds 5]

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatekeeperConfig, shippedLaunch, startGatekeeperContender } from './harness/gatekeeper.js'
import { cpuReading, cpuSince, processTree } from './harness/proc.js'
import { jsonLineWith, runBench, startPinned } from './harness/processes.js'
import { median, pairedRatio } from './harness/stats.js'
import { runWrk } from './harness/wrk.js'
import { runHandshakes } from './harness/handshake-load.js'
import { certificate } from './harness/tls.js'
import { beforeCli, wholeOption } from './harness/args.js'

const LOAD_CPU = '0'
const PROXY_CPU = '1'
const CONNECTIONS = [4, 32, 'handshakes']

const opts = { rounds: wholeOption('rounds', 4), seconds: wholeOption('seconds', 5), before: beforeCli() }

const TRACE_LINE = /\]\s+(\d+) ms: (Scavenge|Mark-Compact|Mark-sweep)\b.*?, ([\d.]+) \/ ([\d.]+) ms/

/** The last GC's time (ms since the process started) in a --trace-gc text; -1 before any. */
function lastGcAt (text) {
  let at = -1
  for (const line of text.split('\n')) {
    const match = TRACE_LINE.exec(line)
    if (match !== null) at = Number(match[1])
  }
  return at
}

/**
 * The GC pauses after `since` in a --trace-gc text: how many mark-compacts,
 * and the milliseconds of every pause. The harness keeps the last 64 KB of a
 * contender's output, a few hundred GCs: more than one measured run makes.
 */
function gcOf (text, since) {
  let markCompacts = 0
  let pauseMs = 0
  for (const line of text.split('\n')) {
    const match = TRACE_LINE.exec(line)
    if (match === null || Number(match[1]) <= since) continue
    if (match[2] !== 'Scavenge') markCompacts++
    pauseMs += Number(match[3])
  }
  return { markCompacts, pauseMs }
}

/** One measured run: wrk keep-alive at `connections`, or (`'handshakes'`) a new TLS connection per request. */
async function measure (contender, connections) {
  const before = cpuReading(processTree(contender.pid))
  const since = lastGcAt(contender.trace())
  const result = connections === 'handshakes'
    ? await handshakeRun(contender)
    : await runWrk({ url: contender.url, seconds: opts.seconds, connections, cpu: LOAD_CPU })
  const cpu = cpuSince(before)
  const gc = gcOf(contender.trace(), since)
  return {
    requests: result.requests,
    rps: result.rps,
    p99Ms: result.p99Ms,
    cpuUsPerRequest: cpu.total / result.requests * 1e6,
    markCompactsPer10k: gc.markCompacts / result.requests * 10_000,
    gcMsPer1k: gc.pauseMs / result.requests * 1000,
    errors: result.non2xx + result.socketErrors
  }
}

async function handshakeRun (contender) {
  const run = await runHandshakes({ port: contender.tlsPort, seconds: opts.seconds, concurrency: 8, cpu: LOAD_CPU })
  // the loop measures no latency: p99 is not told for handshakes
  return { requests: run.handshakes, rps: run.rate, p99Ms: NaN, non2xx: 0, socketErrors: run.errors }
}

async function main () {
  const dir = mkdtempSync(join(tmpdir(), 'gk-bench-gc-'))
  const running = []
  const keep = (proc) => { running.push(proc); return proc }
  try {
    const upstream = keep(await startPinned({ name: 'upstream', cpus: LOAD_CPU, command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') }))
    const contenders = []
    const cert = certificate(dir)
    const plain = { host: '127.0.0.1', port: 0 }
    const tls = { host: '127.0.0.1', port: 0, tls: { certs: [cert] } }
    for (const [key, cli] of [['gk', undefined], ['gk-before', opts.before]]) {
      if (key === 'gk-before' && cli === undefined) continue
      const launch = shippedLaunch(cli)
      const gk = keep(await startGatekeeperContender({
        name: key,
        dir: join(dir, key),
        cpus: PROXY_CPU,
        ...(cli === undefined ? {} : { cli }),
        launch: { env: launch.env, nodeFlags: [...launch.nodeFlags, '--trace-gc'] },
        config: gatekeeperConfig({ dir: join(dir, key), upstreamUrl: upstream.value.url, extra: { listen: [plain, tls] } })
      }))
      const started = JSON.parse(gk.output().split('\n').find((l) => l.includes('"gatekeeper started"')))
      contenders.push({ key, pid: gk.pid, url: gk.url, tlsPort: Number(started.publicUrls[1].split(':').at(-1)), trace: () => gk.output() })
    }
    // warm-up by requests: the JIT settles by them, not by seconds
    for (const contender of contenders) {
      let served = 0
      for (let run = 0; run < 10 && served < 50_000; run++) served += (await runWrk({ url: contender.url, seconds: 5, connections: 32, cpu: LOAD_CPU })).requests
      for (let run = 0; run < 2; run++) served += (await handshakeRun(contender)).requests
      process.stderr.write(`warm-up ${contender.key} ${served} requests\n`)
    }
    const labelOf = (n) => (n === 'handshakes' ? 'handshakes' : `c${n}`)
    const rounds = new Map(contenders.flatMap((c) => CONNECTIONS.map((n) => [`${c.key} ${labelOf(n)}`, []])))
    for (let round = 1; round <= opts.rounds; round++) {
      const order = round % 2 === 1 ? contenders : [...contenders].reverse()
      for (const connections of CONNECTIONS) {
        for (const contender of order) {
          const figures = await measure(contender, connections)
          rounds.get(`${contender.key} ${labelOf(connections)}`).push(figures)
          process.stderr.write(`round ${round} ${contender.key} ${labelOf(connections)}: ${figures.rps.toFixed(0)} req/s, p99 ${figures.p99Ms} ms, ${figures.cpuUsPerRequest.toFixed(1)} µs CPU/req, ${figures.markCompactsPer10k.toFixed(2)} mark-compacts per 10k, ${figures.gcMsPer1k.toFixed(1)} ms GC per 1k\n`)
        }
      }
    }
    const lines = [`GC bench of ${new Date().toISOString()}: ${opts.rounds} alternating rounds × ${opts.seconds} s per contender and connection count, wrk keep-alive; contender on core 1, wrk and the upstream on core 0.`, '',
      '| contender, load | req/s (handshakes/s) | p99 ms | CPU µs/req | mark-compacts per 10k requests | GC pause ms per 1k requests |', '|---|---:|---:|---:|---:|---:|']
    for (const [key, list] of rounds) {
      const of = (figure) => median(list.map((f) => f[figure]))
      lines.push(`| ${key} | ${of('rps').toFixed(0)} | ${Number.isFinite(of('p99Ms')) ? of('p99Ms').toFixed(2) : '–'} | ${of('cpuUsPerRequest').toFixed(1)} | ${of('markCompactsPer10k').toFixed(2)} | ${of('gcMsPer1k').toFixed(1)} |`)
    }
    if (opts.before !== undefined) {
      lines.push('', '| after ÷ before, paired by round | median | range |', '|---|---:|---:|')
      for (const n of CONNECTIONS) {
        for (const [figure, label] of [['cpuUsPerRequest', 'CPU per request'], ['p99Ms', 'p99'], ['markCompactsPer10k', 'mark-compacts per request'], ['gcMsPer1k', 'GC pause per request']]) {
          if (n === 'handshakes' && figure === 'p99Ms') continue
          const r = pairedRatio(rounds.get(`gk ${labelOf(n)}`), rounds.get(`gk-before ${labelOf(n)}`), figure)
          lines.push(`| ${n === 'handshakes' ? 'full handshakes' : `${n} connections`}: ${label} | ${r.median.toFixed(2)}× | ${r.min.toFixed(2)}–${r.max.toFixed(2)} |`)
        }
      }
    }
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    for (const proc of running.reverse()) await proc.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main, 'gc')
