// The TLS benchmark: Gatekeeper terminating TLS beside nginx terminating TLS,
// with the same certificate (ECDSA P-256, made with openssl for the run),
// the same protocols (TLS 1.2 and 1.3; 1.3 is negotiated) and the same
// upstream, on loopback, in one run. Plain-HTTP runs of both show what TLS
// adds.
//
//   node bench/tls.js [--seconds 5] [--rounds 3] [--connections 32] [--concurrency 8]
//
// As in bench/run.js: the contender is pinned to core 1, the load (wrk, the
// handshake client) and the upstream to core 0; contenders take turns round
// by round, and ratios are taken within a round. Two figures:
//  - keep-alive: wrk over https (it keeps its connections, so this is the
//    record layer's cost), requests/s and the contender's CPU per request;
//  - full handshakes: bench/harness/handshakes.js, a bounded Node loop that
//    opens a new connection per request (no session resumption), handshakes
//    per second and the contender's CPU per handshake. The client is as busy
//    as the server here, so the CPU per handshake is the steadier figure.

import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatekeeperConfig, startGatekeeperContender } from './harness/gatekeeper.js'
import { NGINX, nginxPreamble, waitForPort } from './harness/nginx.js'
import { cpuReading, cpuSince, processTree } from './harness/proc.js'
import { jsonLineWith, runBench, startPinned, freePort } from './harness/processes.js'
import { runWrk } from './harness/wrk.js'

const LOAD_CPU = '0'
const PROXY_CPU = '1'

function option (name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1 || value > 1000) throw new Error(`--${name} must be a whole number from 1 to 1000`)
  return value
}

const opts = { seconds: option('seconds', 5), rounds: option('rounds', 3), connections: option('connections', 32), concurrency: option('concurrency', 8) }

function certificate (dir) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'bench.key', '-out', 'bench.crt',
    '-days', '2', '-subj', '/CN=bench.test', '-addext', 'subjectAltName=DNS:bench.test'], { cwd: dir, stdio: 'ignore' })
  return { cert: join(dir, 'bench.crt'), key: join(dir, 'bench.key') }
}

/** nginx with a TLS and a plain server, both proxying to the upstream as bench/harness/nginx.js does. */
async function startNginxTls ({ dir, upstreamPort, tlsPort, plainPort, cert }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  const proxy = `
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;`
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, `${nginxPreamble(dir, 'bench/tls.js')}
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${cert.cert};
    ssl_certificate_key ${cert.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    ssl_session_cache off;
    ssl_session_tickets off;
    location / {${proxy}
    }
  }
  server {
    listen 127.0.0.1:${plainPort};
    location / {${proxy}
    }
  }
}
`)
  const proc = await startPinned({ name: 'nginx', cpus: PROXY_CPU, command: NGINX, args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], timeoutMs: 5000 })
  await waitForPort(plainPort)
  return proc
}

function handshakes (port, seconds, concurrency) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', LOAD_CPU, process.execPath, join(import.meta.dirname, 'harness', 'handshakes.js'), String(port), String(seconds), String(concurrency)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.stderr.on('data', (chunk) => { out += chunk })
    const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000)
    child.once('exit', (code) => {
      clearTimeout(guard)
      if (code !== 0) reject(new Error(`handshakes.js exited with ${code}: ${out}`))
      else resolve(JSON.parse(out.trim().split('\n').at(-1)))
    })
  })
}

async function measureWrk (contender) {
  const before = cpuReading(processTree(contender.pid))
  const result = await runWrk({ url: contender.url, seconds: opts.seconds, connections: opts.connections, cpu: LOAD_CPU })
  const cpu = cpuSince(before)
  return { rps: result.rps, cpuUsPerRequest: cpu.total / result.requests * 1e6, non2xx: result.non2xx, errors: result.socketErrors }
}

async function measureHandshakes (contender) {
  const before = cpuReading(processTree(contender.pid))
  const result = await handshakes(contender.port, opts.seconds, opts.concurrency)
  const cpu = cpuSince(before)
  return { rate: result.rate, cpuUsPerHandshake: cpu.total / result.handshakes * 1e6, errors: result.errors, protocols: result.protocols }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

async function main () {
  const dir = mkdtempSync(join(tmpdir(), 'gk-bench-tls-'))
  const running = []
  const keep = (proc) => { running.push(proc); return proc }
  try {
    const cert = certificate(dir)
    const upstream = keep(await startPinned({ name: 'upstream', cpus: LOAD_CPU, command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') }))
    const upstreamUrl = upstream.value.url
    const gkDir = join(dir, 'gk')
    const gk = keep(await startGatekeeperContender({
      name: 'gk-tls',
      dir: gkDir,
      cpus: PROXY_CPU,
      config: gatekeeperConfig({
        dir: gkDir,
        upstreamUrl,
        extra: { listen: [{ host: '127.0.0.1', port: 0, tls: { certs: [cert] } }, { host: '127.0.0.1', port: await freePort() }] }
      })
    }))
    const gkPlainPort = JSON.parse(gk.output().split('\n').find((l) => l.includes('"gatekeeper started"'))).publicUrls[1].split(':').at(-1)
    const tlsPort = await freePort()
    const plainPort = await freePort()
    const nginx = keep(await startNginxTls({ dir: join(dir, 'nginx'), upstreamPort: new URL(upstreamUrl).port, tlsPort, plainPort, cert }))
    const gkTlsPort = new URL(gk.url).port
    const contenders = [
      { key: 'gk-tls', pid: gk.pid, url: `https://127.0.0.1:${gkTlsPort}/`, port: gkTlsPort },
      { key: 'nginx-tls', pid: nginx.pid, url: `https://127.0.0.1:${tlsPort}/`, port: tlsPort },
      { key: 'gk-plain', pid: gk.pid, url: `http://127.0.0.1:${gkPlainPort}/` },
      { key: 'nginx-plain', pid: nginx.pid, url: `http://127.0.0.1:${plainPort}/` }
    ]
    const rounds = new Map(contenders.map((c) => [c.key, []]))
    const shakes = new Map(contenders.filter((c) => c.port !== undefined).map((c) => [c.key, []]))
    for (let round = 1; round <= opts.rounds; round++) {
      for (const contender of contenders) {
        await runWrk({ url: contender.url, seconds: 1, connections: opts.connections, cpu: LOAD_CPU })
        const figures = await measureWrk(contender)
        rounds.get(contender.key).push(figures)
        process.stderr.write(`keep-alive round ${round} ${contender.key.padEnd(12)} ${figures.rps.toFixed(0).padStart(7)} req/s ${figures.cpuUsPerRequest.toFixed(1)} µs CPU/req${figures.non2xx + figures.errors > 0 ? ` (${figures.non2xx} non-2xx, ${figures.errors} errors)` : ''}\n`)
      }
      for (const contender of contenders.filter((c) => c.port !== undefined)) {
        const figures = await measureHandshakes(contender)
        shakes.get(contender.key).push(figures)
        process.stderr.write(`handshakes round ${round} ${contender.key.padEnd(12)} ${figures.rate.toFixed(0).padStart(6)} /s ${figures.cpuUsPerHandshake.toFixed(0)} µs CPU/handshake ${JSON.stringify(figures.protocols)}${figures.errors > 0 ? ` ${figures.errors} errors` : ''}\n`)
      }
    }
    const ratio = (a, b, field, set) => median(set.get(a).map((fig, i) => fig[field] / set.get(b)[i][field]))
    const lines = [
      `TLS bench, ${opts.rounds} rounds of ${opts.seconds} s, wrk -c${opts.connections}, handshake loops ${opts.concurrency}; load ${loadavg().map((n) => n.toFixed(2)).join(' ')}`,
      '',
      '| keep-alive (wrk) | req/s | µs CPU/req |',
      '|---|---:|---:|',
      ...contenders.map((c) => `| ${c.key} | ${median(rounds.get(c.key).map((f) => f.rps)).toFixed(0)} | ${median(rounds.get(c.key).map((f) => f.cpuUsPerRequest)).toFixed(1)} |`),
      '',
      '| full handshakes (new connection per request) | handshakes/s | µs CPU/handshake |',
      '|---|---:|---:|',
      ...[...shakes.keys()].map((key) => `| ${key} | ${median(shakes.get(key).map((f) => f.rate)).toFixed(0)} | ${median(shakes.get(key).map((f) => f.cpuUsPerHandshake)).toFixed(0)} |`),
      '',
      `Ratios within a round (median): keep-alive TLS req/s gk/nginx ${ratio('gk-tls', 'nginx-tls', 'rps', rounds).toFixed(2)}×, CPU/req gk/nginx ${ratio('gk-tls', 'nginx-tls', 'cpuUsPerRequest', rounds).toFixed(2)}×; ` +
        `TLS over plain CPU/req: gk ${ratio('gk-tls', 'gk-plain', 'cpuUsPerRequest', rounds).toFixed(2)}×, nginx ${ratio('nginx-tls', 'nginx-plain', 'cpuUsPerRequest', rounds).toFixed(2)}×; ` +
        `handshakes/s gk/nginx ${ratio('gk-tls', 'nginx-tls', 'rate', shakes).toFixed(2)}×, CPU/handshake gk/nginx ${ratio('gk-tls', 'nginx-tls', 'cpuUsPerHandshake', shakes).toFixed(2)}×`
    ]
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    for (const proc of running.reverse()) await proc.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main)
