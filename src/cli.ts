#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --heap-growing-percent=30
import cluster from 'node:cluster'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { isGatekeeperError } from './errors.js'
import { ADMIN_COMMANDS } from './cli/commands/index.js'
import { overallHelp } from './cli/help.js'
import { processIo } from './cli/process-io.js'
import { runCommand } from './cli/run.js'
import { readEntry, suggestion } from './cli/entry-args.js'
import { describeStartFailure } from './cli/start-failure.js'
import { notifySystemd } from './cli/systemd-notify.js'
import { reloadOnSighup } from './cli/reload-signal.js'
import { startWatchdog } from './cli/watchdog.js'
import type { Config } from './config/config.js'

const PROCESS_COMMANDS = [
  ['serve [--config FILE]', 'run the proxy and the admin API (config: --config, GATEKEEPER_CONFIG, /etc/gatekeeper/gatekeeper.yaml)'],
  ['sample-upstream [--port N]', 'run the small sample application (default port 3000)'],
  ['firewall plan|apply|clear|helper', 'keep iptables in step with the mode (see gatekeeper firewall --help)'],
  ['help [COMMAND]', 'this text, or the options of COMMAND']
] as const

const USAGE = overallHelp(ADMIN_COMMANDS, PROCESS_COMMANDS)
const SHORT_USAGE = 'Usage: gatekeeper <command> [options]   (gatekeeper help lists the commands)\n'

const SERVE_HELP = `Usage: gatekeeper serve [--config FILE]

Runs the proxy and the admin API until SIGTERM or SIGINT (a graceful stop).
SIGHUP reads the configuration file again and applies it whole, or refuses
it and keeps the running configuration (see gatekeeper reload --help).
The configuration comes from --config FILE, else GATEKEEPER_CONFIG, else
/etc/gatekeeper/gatekeeper.yaml; relative paths in it are relative to its
directory. It is checked whole before anything listens: a problem stops
start-up with one line naming the key.
`

const SAMPLE_HELP = `Usage: gatekeeper sample-upstream [--port N] [--host ADDRESS]

Runs the small sample application (default 127.0.0.1:3000), to try the gate.
`

/** Every word that can stand first on the command line, for "did you mean". */
const COMMAND_NAMES = [...ADMIN_COMMANDS.map((command) => command.name), 'serve', 'sample-upstream', 'firewall', 'help']

/** The version of the package this CLI came from (dist/src/cli.js → package.json). */
function version (): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown }
    return typeof pkg.version === 'string' ? pkg.version : 'unknown'
  } catch {
    return 'unknown'
  }
}

function helpFor (topic: string | undefined): [string, number] {
  if (topic === undefined) return [USAGE, 0]
  const words = topic.split(' ')
  const command = ADMIN_COMMANDS.find((candidate) => candidate.name === words[0])
  const sub = command?.subcommands?.find((candidate) => candidate.name === topic)
  if (sub !== undefined) return [sub.help, 0]
  if (command !== undefined) return [command.help, 0]
  if (topic === 'serve') return [SERVE_HELP, 0]
  if (topic === 'sample-upstream') return [SAMPLE_HELP, 0]
  return [`gatekeeper help: no command "${topic}"${didYouMean(words[0] ?? '')}\n${SHORT_USAGE}`, 2]
}

function didYouMean (typed: string): string {
  const close = suggestion(typed, COMMAND_NAMES)
  return close === undefined ? '' : `; did you mean "${close}"?`
}

// The server, the sample application and the firewall are loaded only by the
// commands that run them: an admin command starts in a fraction of the time.

async function serve (args: string[]): Promise<number> {
  const { configPath, loadConfig } = await import('./config/load.js')
  const { startServing } = await import('./cluster/serve.js')
  let values
  try {
    values = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } }).values
  } catch (err) {
    process.stderr.write(`gatekeeper serve: ${(err as Error).message}\n  see: gatekeeper serve --help\n`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write(SERVE_HELP)
    return 0
  }
  let config: Config | undefined
  let gatekeeper
  const path = configPath(values.config)
  // a SIGHUP while starting must not end the process (its default); the reload handler replaces this once serving
  const hupWhileStarting = (): void => { process.stderr.write('gatekeeper: SIGHUP while starting is ignored; reload once started\n') }
  process.on('SIGHUP', hupWhileStarting)
  try {
    // a worker of `workers: N` serves its primary's configuration, whatever the file now says
    config = cluster.isWorker ? await (await import('./cluster/worker-config.js')).configFromPrimary() : await loadConfig(path)
    gatekeeper = await startServing(config, { path })
  } catch (err) {
    process.stderr.write(`gatekeeper serve: ${describeStartFailure(err, config)}\n`)
    return 1
  }
  const shutdownGraceMs = config.shutdownGraceMs
  // the primary is the service's main process; workers (`workers: N`) run serve too
  if (!cluster.isWorker) await notifySystemd({ READY: '1', STATUS: 'serving' })
  // SIGHUP reloads (the primary tells its workers); it never ends the process, a worker's neither
  process.off('SIGHUP', hupWhileStarting)
  if (gatekeeper.reload !== undefined) reloadOnSighup(gatekeeper.reload, (line) => process.stderr.write(line))
  else process.on('SIGHUP', () => {})
  const probe = gatekeeper.store
  if (probe !== undefined) startWatchdog(async () => await probe.readAudit(1))
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    notifySystemd({ STOPPING: '1' }).catch(() => {})
    const force = setTimeout(() => {
      process.stderr.write(`gatekeeper: in-flight requests did not finish within ${shutdownGraceMs} ms; exiting\n`)
      process.exit(1)
    }, shutdownGraceMs)
    force.unref()
    gatekeeper.close().then(() => {
      process.stderr.write(`gatekeeper: stopped on ${signal}\n`)
      process.exit(0)
    }, (err: unknown) => {
      process.stderr.write(`gatekeeper: error while stopping: ${(err as Error).message}\n`)
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
  return await new Promise<number>(() => {})
}

async function sampleUpstream (args: string[]): Promise<number> {
  const { startSampleUpstream } = await import('./sample/sample-upstream.js')
  const { values } = parseArgs({ args, options: { port: { type: 'string', short: 'p' }, host: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) {
    process.stdout.write(SAMPLE_HELP)
    return 0
  }
  let upstream
  try {
    upstream = await startSampleUpstream(Number(values.port ?? '3000'), values.host ?? '127.0.0.1')
  } catch (err) {
    process.stderr.write(`gatekeeper sample-upstream: ${describeStartFailure(err, undefined)}\n`)
    return 1
  }
  process.stdout.write(`sample application listening on ${upstream.url}\n`)
  process.on('SIGTERM', () => { upstream.close().then(() => process.exit(0), () => process.exit(1)) })
  process.on('SIGINT', () => { upstream.close().then(() => process.exit(0), () => process.exit(1)) })
  return await new Promise<number>(() => {})
}

/** `gatekeeper firewall …` (src/firewall/cli.ts), with the mode and allowlist read from the admin API. */
async function firewall (args: string[]): Promise<number> {
  const { firewallEntry } = await import('./cli/firewall.js')
  return await runCommand(firewallEntry, args, processIo(args))
}

export async function main (argv: string[]): Promise<number> {
  const entry = readEntry(argv)
  if (entry.kind === 'version') {
    process.stdout.write(`gatekeeper ${version()}\n`)
    return 0
  }
  if (entry.kind === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  if (entry.kind === 'error') {
    process.stderr.write(`gatekeeper: ${entry.message}\n${SHORT_USAGE}`)
    return 2
  }
  const { command, args: rest } = entry
  switch (command) {
    case 'serve': return await serve(rest)
    case 'sample-upstream': return await sampleUpstream(rest)
    case 'firewall': return await firewall(rest)
    case undefined:
      process.stdout.write(USAGE)
      return 2
    case 'version':
      process.stdout.write(`gatekeeper ${version()}\n`)
      return 0
    case 'help': {
      if (rest[0] === 'firewall') return await firewall(['--help'])
      const [text, code] = helpFor(rest.length === 0 ? undefined : rest.join(' '))
      if (code === 0) process.stdout.write(text)
      else process.stderr.write(text)
      return code
    }
    default: {
      const admin = ADMIN_COMMANDS.find((candidate) => candidate.name === command)
      if (admin !== undefined) return await runCommand(admin, rest, processIo(rest))
      process.stderr.write(`gatekeeper: unknown command "${command}"${didYouMean(command)}\n${SHORT_USAGE}`)
      return 2
    }
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  const message = isGatekeeperError(err) ? `${err.code}: ${err.message}` : describeStartFailure(err, undefined)
  process.stderr.write(`gatekeeper: ${message}\n`)
  process.exitCode = 1
})
