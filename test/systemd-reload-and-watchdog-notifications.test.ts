import { spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { watchdogIntervalMs } from '../src/cli/watchdog.js'
import { rawConfig, tempDir, TEST_ENV } from './helpers/harness.js'
import { CLI, writeConfig } from './helpers/process.js'
import { until } from './helpers/cluster.js'

t.test('the unit reloads with SIGHUP and asks for a watchdog', async (t) => {
  const unit = readFileSync(new URL('../systemd/gatekeeper.service', import.meta.url), 'utf8')
  t.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
  t.match(unit, /^WatchdogSec=30s$/m)
  t.match(unit, /^Type=notify$/m)
})

t.test('the watchdog pings at half of WATCHDOG_USEC, only in the process WATCHDOG_PID names', async (t) => {
  t.equal(watchdogIntervalMs({}), null)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }), 15000)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid) }), 15000)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '1' }), null)
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }), null)
})

t.test('under systemd, a SIGHUP is told as RELOADING=1 then READY=1, and the watchdog is pinged', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  // a stand-in for systemd's own systemd-notify: it writes down what it was asked to send
  const told = join(dir, 'told.txt')
  const bin = join(dir, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$*" >> ${told}\n`)
  chmodSync(join(bin, 'systemd-notify'), 0o755)
  const raw = rawConfig(dir, upstream.url, { logLevel: 'info' })
  const path = writeConfig(dir, raw)
  const env = { ...TEST_ENV, PATH: `${bin}:${process.env.PATH ?? ''}`, NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: '400000' }
  const child = spawn(process.execPath, [CLI, 'serve', '--config', path], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString() })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const lines = (): string[] => existsSync(told) ? readFileSync(told, 'utf8').split('\n').filter((line) => line !== '') : []

  await until('READY=1 at start', () => lines().some((line) => line.includes('READY=1')), 20_000)
  await until('watchdog pings', () => lines().filter((line) => line.includes('WATCHDOG=1')).length >= 2, 20_000)
  writeConfig(dir, { ...raw, allowlist: ['10.9.0.0/16'] })
  const before = lines().length
  child.kill('SIGHUP')
  await until('READY=1 after the reload', () => lines().slice(before).some((line) => line.includes('READY=1')), 20_000)
  const after = lines().slice(before).filter((line) => !line.includes('WATCHDOG=1'))
  t.match(after[0], /RELOADING=1/, 'the reload starts with RELOADING=1')
  t.match(after[0], /MONOTONIC_USEC=\d+/, 'and the monotonic time')
  t.match(after[1], /READY=1/)
  t.ok(after.every((line) => line.includes(`--pid=${String(child.pid)}`)), 'each names the main process')
  await until('the reload is logged', () => out.includes('"configuration reloaded"'), 20_000)
  t.equal(child.exitCode, null, 'the process runs on')
})
