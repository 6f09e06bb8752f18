// System calls per request, keep-alive, over TLS and over plain HTTP, for
// Gatekeeper and for nginx: `strace -c -f` attached to each contender (its
// threads included) for one wrk run, the counts divided by the requests wrk
// completed. strace slows every call down, so only the counts mean
// something here, not the times.
//
//   npm run build && node bench/tls-syscalls.js [--seconds 3] [--warmup 5] [--closed]
//
// --closed: Gatekeeper answers every request with the maintenance page (nginx
// still proxies; its column is then for reference only).

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatekeeperConfig, startGatekeeperContender } from './harness/gatekeeper.js'
import { freePort, jsonLineWith, runBench, startPinned } from './harness/processes.js'
import { certificate, startNginxTls } from './harness/tls.js'
import { runWrk } from './harness/wrk.js'

function option (name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1 || value > 60) throw new Error(`--${name} must be a whole number from 1 to 60`)
  return value
}

const opts = { seconds: option('seconds', 3), warmup: option('warmup', 5), closed: process.argv.includes('--closed') }

/** strace -c's summary table: calls per system call name. */
function parseStrace (text) {
  const calls = new Map()
  for (const line of text.split('\n')) {
    const match = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(line)
    if (match !== null && match[2] !== 'total') calls.set(match[2], Number(match[1]))
  }
  return calls
}

/** One wrk run with strace counting the contender's calls; bounded by wrk's own bound and a kill after it. */
async function traced (pid, url, out) {
  const strace = spawn('strace', ['-c', '-f', '-o', out, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  strace.stderr.on('data', (chunk) => { err += chunk })
  const exited = new Promise((resolve) => strace.once('exit', resolve))
  // strace says "Process N attached" once it holds every thread
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const result = await runWrk({ url, seconds: opts.seconds, connections: 32, cpu: '0' })
  strace.kill('SIGINT')
  const guard = setTimeout(() => strace.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(guard)
  const calls = parseStrace(readFileSync(out, 'utf8'))
  if (calls.size === 0) throw new Error(`strace counted nothing: ${err}`)
  return { requests: result.requests, calls }
}

async function main () {
  const dir = mkdtempSync(join(tmpdir(), 'gk-bench-syscalls-'))
  const running = []
  const keep = (proc) => { running.push(proc); return proc }
  try {
    const cert = certificate(dir)
    const upstream = keep(await startPinned({ name: 'upstream', cpus: '0', command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') }))
    const gkDir = join(dir, 'gk')
    const gk = keep(await startGatekeeperContender({
      name: 'gk',
      dir: gkDir,
      cpus: '1',
      config: gatekeeperConfig({ dir: gkDir, upstreamUrl: upstream.value.url, initialMode: opts.closed ? 'closed' : 'open', extra: { listen: [{ host: '127.0.0.1', port: 0, tls: { certs: [cert] } }, { host: '127.0.0.1', port: await freePort() }] } })
    }))
    const gkPlainPort = JSON.parse(gk.output().split('\n').find((l) => l.includes('"gatekeeper started"'))).publicUrls[1].split(':').at(-1)
    const tlsPort = await freePort()
    const plainPort = await freePort()
    const nginx = keep(await startNginxTls({ dir: join(dir, 'nginx'), cpus: '1', upstreamPort: new URL(upstream.value.url).port, tlsPort, plainPort, cert }))
    const contenders = [
      { key: 'gk-tls', pid: gk.pid, url: gk.url },
      { key: 'gk-plain', pid: gk.pid, url: `http://127.0.0.1:${gkPlainPort}/` },
      { key: 'nginx-tls', pid: nginx.pid, url: `https://127.0.0.1:${tlsPort}/` },
      { key: 'nginx-plain', pid: nginx.pid, url: `http://127.0.0.1:${plainPort}/` }
    ]
    const results = new Map()
    for (const contender of contenders) {
      await runWrk({ url: contender.url, seconds: opts.warmup, connections: 32, cpu: '0' })
      const result = await traced(contender.pid, contender.url, join(dir, `${contender.key}.strace`))
      results.set(contender.key, result)
      process.stderr.write(`${contender.key}: ${result.requests} requests traced\n`)
    }
    const names = new Set()
    for (const { calls, requests } of results.values()) {
      for (const [name, count] of calls) if (count / requests >= 0.01) names.add(name)
    }
    const perRequest = (key, name) => (results.get(key).calls.get(name) ?? 0) / results.get(key).requests
    const total = (key) => [...results.get(key).calls.values()].reduce((sum, n) => sum + n, 0) / results.get(key).requests
    const rows = [...names].sort((a, b) => perRequest('gk-tls', b) - perRequest('gk-tls', a)).map((name) => `| ${name} | ${contenders.map((c) => perRequest(c.key, name).toFixed(2)).join(' | ')} |`)
    process.stdout.write([
      `System calls per request${opts.closed ? ' (Gatekeeper closed: the maintenance page)' : ''} (strace -c -f, ${opts.seconds} s of wrk -c32 keep-alive after ${opts.warmup} s of warm-up; calls under 0.01 per request left out)`,
      '',
      `| call | ${contenders.map((c) => c.key).join(' | ')} |`,
      `|---|${contenders.map(() => '---:').join('|')}|`,
      ...rows,
      `| **all** | ${contenders.map((c) => total(c.key).toFixed(2)).join(' | ')} |`
    ].join('\n') + '\n')
  } finally {
    for (const proc of running.reverse()) await proc.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

runBench(main, 'tls-syscalls')
