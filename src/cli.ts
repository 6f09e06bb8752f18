#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { isGatekeeperError } from './errors.js'
import { ADMIN_COMMANDS } from './cli/commands/index.js'
import { overallHelp } from './cli/help.js'
import { processIo } from './cli/process-io.js'
import { runCommand } from './cli/run.js'

const PROCESS_COMMANDS = [
  ['serve [--config FILE]', 'run the proxy and the admin API (config: --config, GATEKEEPER_CONFIG, config/gatekeeper.yaml)'],
  ['sample-upstream [--port N]', 'run the small sample application (default port 3000)'],
  ['firewall plan|apply|clear|helper', 'keep iptables in step with the mode (see gatekeeper firewall --help)'],
  ['help [COMMAND]', 'this text, or the options of COMMAND']
] as const

const USAGE = overallHelp(ADMIN_COMMANDS, PROCESS_COMMANDS)

function helpFor (topic: string | undefined): [string, number] {
  if (topic === undefined) return [USAGE, 0]
  const words = topic.split(' ')
  const command = ADMIN_COMMANDS.find((candidate) => candidate.name === words[0])
  const sub = command?.subcommands?.find((candidate) => candidate.name === topic)
  if (sub !== undefined) return [sub.help, 0]
  if (command !== undefined) return [command.help, 0]
  if (topic === 'serve' || topic === 'sample-upstream') return [USAGE, 0]
  return [`gatekeeper help: no command "${topic}"\n\n${USAGE}`, 2]
}

// The server, the sample application and the firewall are loaded only by the
// commands that run them: an admin command starts in a fraction of the time.

async function serve (args: string[]): Promise<number> {
  const { configPath, loadConfig } = await import('./config/load.js')
  const { startServing } = await import('./cluster/serve.js')
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) {
    process.stdout.write('Usage: gatekeeper serve [--config FILE]\n\nRuns the proxy and the admin API. The config path comes from --config, else\nGATEKEEPER_CONFIG, else config/gatekeeper.yaml.\n')
    return 0
  }
  const path = configPath(values.config)
  const config = await loadConfig(path)
  const gatekeeper = await startServing(config)
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    const force = setTimeout(() => {
      process.stderr.write(`gatekeeper: in-flight requests did not finish within ${config.shutdownGraceMs} ms; exiting\n`)
      process.exit(1)
    }, config.shutdownGraceMs)
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
  const { values } = parseArgs({ args, options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } } })
  const upstream = await startSampleUpstream(Number(values.port ?? '3000'), values.host ?? '127.0.0.1')
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
  const [command, ...rest] = argv
  switch (command) {
    case 'serve': return await serve(rest)
    case 'sample-upstream': return await sampleUpstream(rest)
    case 'firewall': return await firewall(rest)
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return command === undefined ? 2 : 0
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
      process.stderr.write(`gatekeeper: unknown command "${command}"\n\n${USAGE}`)
      return 2
    }
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  const message = isGatekeeperError(err) ? `${err.code}: ${err.message}` : (err as Error).stack ?? String(err)
  process.stderr.write(`gatekeeper: ${message}\n`)
  process.exitCode = 1
})
