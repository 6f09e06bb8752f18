// The processes a bench run starts: each pinned with taskset, each stopped
// by its own pid when the run ends (and nothing else is ever signalled).

import { spawn } from 'node:child_process'

const started = new Set()

/**
 * Starts `command` on `cpus` (a taskset list such as "1" or "0-1"); taskset
 * execs the command, so the child's pid is the command's own. Resolves once
 * `ready` finds what it looks for in the output (stdout and stderr), with it;
 * without `ready`, as soon as it is running.
 */
export function startPinned ({ name, cpus, command, args, env = process.env, ready, timeoutMs = 30_000 }) {
  const child = spawn('taskset', ['-c', cpus, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  started.add(child)
  let out = ''
  let found = false
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => {
    started.delete(child)
    resolve(code ?? signal)
  }))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${out.slice(-4000)}`)), timeoutMs)
    const onOutput = (chunk) => {
      // only the tail is kept: a contender that logs per request must not fill the harness's memory
      out = (out + chunk).slice(-65536)
      if (found) return
      const value = ready === undefined ? true : ready(out)
      if (value === undefined) return
      found = true
      clearTimeout(timer)
      resolve({
        name,
        pid: child.pid,
        value,
        output: () => out,
        stop: (signal = 'SIGTERM') => stopChild(child, exited, signal)
      })
    }
    child.stdout.on('data', onOutput)
    child.stderr.on('data', onOutput)
    // without a readiness line, the caller checks readiness itself (a port that answers)
    if (ready === undefined) child.once('spawn', () => onOutput(''))
    exited.then((code) => {
      clearTimeout(timer)
      if (!found) reject(new Error(`${name} exited (${code}) before it was ready:\n${out.slice(-4000)}`))
    })
  })
}

/** Asks the child to stop, then kills it if it has not within `graceMs`. */
function stopChild (child, exited, signal, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return exited
  child.kill(signal)
  const force = setTimeout(() => { child.kill('SIGKILL') }, graceMs)
  return exited.finally(() => clearTimeout(force))
}

/** Kills, by pid, every child this harness started that is still running: for an abort. */
export function killStarted () {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
}

/** The first line of output that is a JSON object holding `key`. */
export function jsonLineWith (key) {
  return (out) => {
    for (const line of out.split('\n')) {
      if (!line.startsWith('{') || !line.includes(`"${key}"`)) continue
      try {
        const parsed = JSON.parse(line)
        if (parsed[key] !== undefined) return parsed
      } catch {
        // a line still being written
      }
    }
    return undefined
  }
}

/** Runs a bench's main: Ctrl-C and a failure both end the processes it started. */
export function runBench (main, name = 'bench') {
  process.on('SIGINT', () => { killStarted(); process.exit(130) })
  main().catch((err) => {
    killStarted()
    process.stderr.write(`${name}: ${err.stack ?? err.message}\n`)
    process.exitCode = 1
  })
}

/** A free loopback port for nginx (the Node contenders pick their own). */
export async function freePort () {
  const { createServer } = await import('node:net')
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}
