// Runs bench/harness/handshakes.js (a new TLS connection per request) pinned
// to one core, bounded by time (and killed 20 s past it); resolves with its
// JSON line: { handshakes, seconds, rate, errors, protocols }.

import { spawn } from 'node:child_process'
import { join } from 'node:path'

export function runHandshakes ({ port, seconds, concurrency, cpu }) {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', cpu, process.execPath, join(import.meta.dirname, 'handshakes.js'), String(port), String(seconds), String(concurrency)], { stdio: ['ignore', 'pipe', 'pipe'] })
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
