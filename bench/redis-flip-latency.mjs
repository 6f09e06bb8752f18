// Three gatekeepers on one Redis, in this process:
//   1. flip latency: from a change call's return to the last instance applying
//      it (each runtime's applied event), p50/p99 over 200 flips;
//   2. the Redis store on the request path: a file-store instance and a
//      redis-store instance answering the same load side by side, as a ratio,
//      and the Redis commands counted while they do (none per request).
// Run: npm run build && node bench/redis-flip-latency.mjs [--flips 200] [--requests 12000]
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, connect } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { Pool } from 'undici'
import { parseConfig } from '../dist/src/config/config.js'
import { startSampleUpstream } from '../dist/src/sample/sample-upstream.js'
import { startGatekeeper } from '../dist/src/server.js'

const TOKEN = 'bench-operator-token-0123456789'
const ENV = { ...process.env, BENCH_TOKEN: TOKEN }
const REDIS_SERVER = '/usr/bin/redis-server'

function option (name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number, got ${process.argv[at + 1]}`)
  return value
}

const FLIPS = option('flips', 200)
const REQUESTS = option('requests', 12000)
const ROUNDS = 10
const CONCURRENCY = 16
/** every loop is bounded in time as well as in count */
const FLIP_DEADLINE_MS = 5000
const LOAD_BUDGET_MS = 60_000

async function freePort () {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** One inline command, the whole reply. */
function ask (port, command) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(1000, () => socket.destroy(new Error('no answer from redis-server')))
    socket.on('connect', () => socket.write(`${command}\r\nQUIT\r\n`))
    socket.on('data', (chunk) => { reply += chunk })
    socket.on('end', () => resolve(reply))
    socket.on('error', reject)
  })
}

async function startRedis (dir) {
  const port = await freePort()
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  const deadline = Date.now() + 5000
  for (;;) {
    if (await ask(port, 'PING').then((r) => r.startsWith('+PONG'), () => false)) break
    if (Date.now() > deadline) throw new Error('redis-server did not start')
    await sleep(20)
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    /** calls of every command so far, from INFO commandstats */
    async commandCalls () {
      const info = await ask(port, 'INFO commandstats')
      let total = 0
      for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
        if (match[1] !== 'info' && match[1] !== 'quit') total += Number(match[2])
      }
      return total
    },
    stop () {
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      return gone
    }
  }
}

function configFor (dir, upstream, store) {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    upstream,
    admin: { listen: { host: '127.0.0.1', port: 0 }, tokens: [{ name: 'bench', role: 'operator', tokenEnv: 'BENCH_TOKEN' }] },
    store,
    maintenance: { pagesDir: join(process.cwd(), 'maintenance-pages') },
    logLevel: 'silent'
  }, ENV)
}

async function change (gk, path) {
  const res = await fetch(gk.adminUrl + path, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } })
  const body = await res.json()
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.message}`)
  return body
}

function percentile (sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

function summary (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const f = (v) => v.toFixed(2)
  return `p50 ${f(percentile(sorted, 50))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted[sorted.length - 1])} ms`
}

/** Resolves with the time the last of `gks` applied `version`, or rejects after FLIP_DEADLINE_MS. */
function lastApplied (applied, version) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + FLIP_DEADLINE_MS
    const check = () => {
      const times = applied.map((byVersion) => byVersion.get(version))
      if (times.every((at) => at !== undefined)) return resolve(Math.max(...times))
      if (Date.now() > deadline) return reject(new Error(`version ${version} not applied everywhere within ${FLIP_DEADLINE_MS} ms`))
      setImmediate(check)
    }
    check()
  })
}

async function flipLatency (gks) {
  const applied = gks.map((gk) => {
    const byVersion = new Map()
    gk.runtime.onApplied((snapshot) => { byVersion.set(snapshot.version, performance.now()) })
    return byVersion
  })
  const afterReturn = []
  const afterSend = []
  const propagation = []
  let beforeReturn = 0
  for (let i = 0; i < FLIPS; i++) {
    const gk = gks[i % gks.length]
    const sent = performance.now()
    const { version } = await change(gk, i % 2 === 0 ? '/v1/close' : '/v1/open')
    const returned = performance.now()
    const last = await lastApplied(applied, version)
    propagation.push(last - applied[i % gks.length].get(version))
    if (last <= returned) beforeReturn++
    afterReturn.push(Math.max(0, last - returned))
    afterSend.push(last - sent)
  }

  // the same flips asking to be confirmed: at the return, every instance must have applied
  let confirmedLate = 0
  const waited = []
  for (let i = 0; i < Math.min(FLIPS, 50); i++) {
    const gk = gks[i % gks.length]
    const sent = performance.now()
    const { version } = await change(gk, `${i % 2 === 0 ? '/v1/close' : '/v1/open'}?wait=applied&timeout=10`)
    waited.push(performance.now() - sent)
    if (!applied.every((byVersion) => byVersion.has(version))) confirmedLate++
  }
  return { afterReturn, afterSend, propagation, beforeReturn, waited, confirmedLate }
}

/** `count` GETs of `path`, CONCURRENCY at a time over kept-alive connections; requests per second. */
async function load (pool, path, count, deadline) {
  let sent = 0
  let failed = 0
  const started = performance.now()
  async function worker () {
    while (sent < count && Date.now() < deadline) {
      sent++
      const res = await pool.request({ path, method: 'GET', headers: { accept: 'text/html' } })
      await res.body.dump()
      if (res.statusCode !== 200 && res.statusCode !== 503) failed++
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  if (failed > 0) throw new Error(`${failed} unexpected answers from ${path}`)
  return sent / ((performance.now() - started) / 1000)
}

async function requestPath (fileGk, redisGk, redis) {
  const results = {}
  const deadline = Date.now() + LOAD_BUDGET_MS
  for (const [mode, path] of [['closed', '/'], ['open', '/']]) {
    await change(fileGk, `/v1/${mode === 'closed' ? 'close' : 'open'}`)
    await change(redisGk, `/v1/${mode === 'closed' ? 'close' : 'open'}?wait=applied&timeout=10`)
    const pools = { file: new Pool(fileGk.publicUrl, { connections: CONCURRENCY }), redis: new Pool(redisGk.publicUrl, { connections: CONCURRENCY }) }
    // a warm-up each, then rounds taken in turn so that noise from the shared machine falls on both
    await load(pools.file, path, 500, deadline)
    await load(pools.redis, path, 500, deadline)
    const rates = { file: [], redis: [] }
    const callsBefore = await redis.commandCalls()
    const loadStarted = performance.now()
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? ['file', 'redis'] : ['redis', 'file']
      for (const kind of order) rates[kind].push(await load(pools[kind], path, Math.ceil(REQUESTS / ROUNDS), deadline))
    }
    const seconds = (performance.now() - loadStarted) / 1000
    const calls = (await redis.commandCalls()) - callsBefore
    // the same time without a request: what the instances send to Redis anyway
    const idleBefore = await redis.commandCalls()
    await sleep(seconds * 1000)
    const idleCalls = (await redis.commandCalls()) - idleBefore
    await pools.file.close()
    await pools.redis.close()
    const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
    // each round's two runs are next to each other in time: their ratio cancels the machine's drift
    const ratios = rates.redis.map((rate, i) => rate / rates.file[i]).sort((a, b) => a - b)
    results[mode] = {
      file: median(rates.file),
      redis: median(rates.redis),
      ratio: median(ratios),
      ratioRange: [ratios[0], ratios[ratios.length - 1]],
      calls,
      idleCalls,
      seconds,
      requests: Math.ceil(REQUESTS / ROUNDS) * ROUNDS
    }
  }
  return results
}

async function main () {
  const dir = await mkdtemp(join(tmpdir(), 'gatekeeper-bench-'))
  const redis = await startRedis(dir)
  const upstream = await startSampleUpstream(0)
  const logger = pino({ level: 'silent' })
  const gks = []
  try {
    for (const name of ['a', 'b', 'c']) {
      const store = { type: 'redis', url: redis.url, localCopyPath: join(dir, `${name}.local.json`) }
      gks.push(await startGatekeeper(configFor(dir, upstream.url, store), { logger }))
    }
    const fileGk = await startGatekeeper(configFor(dir, upstream.url, { type: 'file', path: join(dir, 'file', 'state.json') }), { logger })
    gks.push(fileGk)
    const cluster = gks.slice(0, 3)

    const redisVersion = (await ask(Number(new URL(redis.url).port), 'INFO server')).match(/redis_version:(\S+)/)?.[1] ?? '?'
    console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, redis ${redisVersion}`)
    const flips = await flipLatency(cluster)
    console.log(`\nflip latency, 3 instances, ${FLIPS} flips (close/open in turn, each on the next instance):`)
    console.log(`  change call returned → last instance applied: ${summary(flips.afterReturn)}`)
    console.log(`    (${flips.beforeReturn} of ${FLIPS} flips had reached all three before the call returned; counted as 0)`)
    console.log(`  change call sent → last instance applied:     ${summary(flips.afterSend)}`)
    console.log(`  instance that made it applied → last other applied (the publish): ${summary(flips.propagation)}`)
    console.log(`  with ?wait=applied (${flips.waited.length} flips): call duration ${summary(flips.waited)}; returned before every instance applied: ${flips.confirmedLate}`)

    const path = await requestPath(fileGk, cluster[0], redis)
    console.log(`\nrequest path, ${REQUESTS} GETs per store per mode in ${ROUNDS} alternating rounds, ${CONCURRENCY} concurrent, keep-alive:`)
    for (const [mode, r] of Object.entries(path)) {
      const what = mode === 'closed' ? 'closed (the gate answers: maintenance page)' : 'open (proxied to the upstream)'
      console.log(`  ${what}: file store ${r.file.toFixed(0)} req/s, redis store ${r.redis.toFixed(0)} req/s (medians of ${ROUNDS} rounds)`)
      console.log(`    ratio redis/file, per round: median ${r.ratio.toFixed(3)}, range ${r.ratioRange[0].toFixed(3)}–${r.ratioRange[1].toFixed(3)}`)
      console.log(`    Redis commands while ${r.requests} requests hit the redis-store instance: ${r.calls} in ${r.seconds.toFixed(1)} s; in as long without requests: ${r.idleCalls}`)
    }
  } finally {
    for (const gk of gks) await gk.close()
    await upstream.close()
    await redis.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
