// Gatekeeper as a contender: the real `gatekeeper serve` from dist/, with a
// configuration written for the run, in its own process on its own core.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { stringify } from 'yaml'
import { jsonLineWith, startPinned } from './processes.js'

export const ROOT = resolve(import.meta.dirname, '..', '..')
export const CLI = join(ROOT, 'dist', 'src', 'cli.js')
export const BENCH_TOKEN = 'bench-operator-token-0123456789abcdef'

/**
 * The shipped configuration's choices where they cost something per request
 * (the health gate watching every answer, info-level logging), with ports 0,
 * a private state file and the bench's upstream.
 */
export function gatekeeperConfig ({ dir, upstreamUrl, allowlist = [], initialMode = 'open', workers, extra = {} }) {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamUrl,
    admin: { listen: { host: '127.0.0.1', port: 0 }, tokens: [{ name: 'bench', role: 'operator', tokenEnv: 'GK_BENCH_TOKEN' }] },
    trustedProxies: [],
    allowlist,
    alwaysAllow: { paths: [] },
    store: { type: 'file', path: join(dir, 'state.json') },
    onStoreFailure: 'last-known',
    initialMode,
    maintenance: { statusCode: 503, retryAfter: 300, pagesDir: join(ROOT, 'maintenance-pages') },
    healthGate: {
      enabled: true,
      action: 'abort',
      windowSeconds: 30,
      serverErrors: { maxShare: 0.05, minSamples: 20 },
      connectionErrors: { maxShare: 0.05, minSamples: 20 },
      latencyP99: { maxMs: 5000, minSamples: 50 }
    },
    logLevel: 'info',
    // as nginx runs with access_log off: the contenders do the same work per request
    accessLog: false,
    ...(workers === undefined ? {} : { workers }),
    ...extra
  }
}

/**
 * How the shipped script starts node: the environment and node flags of its
 * first line (`#!/usr/bin/env -S NAME=value node --flag`), which the
 * package's systemd unit runs as it is. The bench starts Gatekeeper the same way.
 */
export function shippedLaunch (cli = CLI) {
  const words = readFileSync(cli, 'utf8').split('\n', 1)[0].replace(/^#!\/usr\/bin\/env -S /, '').split(' ')
  const at = words.indexOf('node')
  if (at === -1) throw new Error(`${cli}: its first line does not run node: ${words.join(' ')}`)
  return {
    env: Object.fromEntries(words.slice(0, at).map((word) => word.split('=', 2))),
    nodeFlags: words.slice(at + 1)
  }
}

/**
 * Starts one Gatekeeper; resolves with its pid, public and admin URLs, and an
 * admin client. `cli` is another build's dist/src/cli.js (an earlier commit's,
 * to measure before and after side by side); this tree's by default.
 */
export async function startGatekeeperContender ({ name, dir, cpus, config, cli = CLI, launch = shippedLaunch(cli) }) {
  mkdirSync(dir, { recursive: true })
  const path = join(dir, 'gatekeeper.yaml')
  writeFileSync(path, stringify(config))
  const proc = await startPinned({
    name,
    cpus,
    command: process.execPath,
    args: [...launch.nodeFlags, cli, 'serve', '--config', path],
    env: { ...process.env, ...launch.env, GK_BENCH_TOKEN: BENCH_TOKEN },
    ready: jsonLineWith('publicUrl'),
    timeoutMs: 60_000
  })
  const { publicUrl, adminUrl } = proc.value
  return {
    ...proc,
    url: publicUrl + '/',
    adminUrl,
    async admin (method, path, body) {
      const response = await fetch(adminUrl + path, {
        method,
        headers: { authorization: `Bearer ${BENCH_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${name}: ${method} ${path} answered ${response.status}: ${text}`)
      return JSON.parse(text)
    }
  }
}
