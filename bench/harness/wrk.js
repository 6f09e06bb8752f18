// Debian's wrk, pinned to the load generator's core, and its report parsed.

import { spawn } from 'node:child_process'

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 }

function durationMs (text) {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text)
  if (match === null) throw new Error(`wrk printed a latency this harness cannot read: ${text}`)
  return Number(match[1]) * UNIT_MS[match[2]]
}

/** The figures of one wrk report (its text with --latency). */
export function parseWrk (text) {
  const requests = /(\d+) requests in ([\d.]+)(us|ms|s|m),/.exec(text)
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)
  const p50 = /^\s+50%\s+(\S+)\s*$/m.exec(text)
  const p99 = /^\s+99%\s+(\S+)\s*$/m.exec(text)
  if (requests === null || rps === null || p50 === null || p99 === null) throw new Error(`wrk's report could not be read:\n${text}`)
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text)
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  return {
    requests: Number(requests[1]),
    seconds: durationMs(requests[2] + requests[3]) / 1000,
    rps: Number(rps[1]),
    p50Ms: durationMs(p50[1]),
    p99Ms: durationMs(p99[1]),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors: errors === null ? 0 : errors.slice(1).reduce((sum, n) => sum + Number(n), 0)
  }
}

/**
 * One bounded wrk run: keep-alive connections for `seconds`, on `cpu`.
 * Should wrk hang, it is killed (by its own pid) well after its duration.
 */
export function runWrk ({ url, seconds, connections, threads = 1, cpu, script }) {
  const args = ['-c', String(cpu), 'wrk', '-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency', '--timeout', '5s']
  if (script !== undefined) args.push('-s', script)
  args.push(url)
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.stderr.on('data', (chunk) => { out += chunk })
    const guard = setTimeout(() => { child.kill('SIGKILL') }, (seconds + 20) * 1000)
    child.once('error', (err) => { clearTimeout(guard); reject(err) })
    child.once('exit', (code) => {
      clearTimeout(guard)
      if (code !== 0) {
        reject(new Error(`wrk exited with ${code}:\n${out}`))
        return
      }
      try {
        resolve(parseWrk(out))
      } catch (err) {
        reject(err)
      }
    })
  })
}
