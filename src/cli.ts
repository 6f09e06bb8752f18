#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { configPath, loadConfig } from './config/load.js'
import { startGatekeeper } from './server.js'
import { startSampleUpstream } from './sample/sample-upstream.js'
import { isGatekeeperError } from './errors.js'

const USAGE = `gatekeeper — the gate in front of an application during an upgrade window

Usage:
  gatekeeper serve [--config FILE]        run the proxy and the admin API
  gatekeeper sample-upstream [--port N]   run the small sample application (default port 3000)
  gatekeeper help                         this text

The config path comes from --config, else GATEKEEPER_CONFIG, else config/gatekeeper.yaml.
`

async function serve (args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } })
  const path = configPath(values.config)
  const config = await loadConfig(path)
  const gatekeeper = await startGatekeeper(config)
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
  const { values } = parseArgs({ args, options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } } })
  const upstream = await startSampleUpstream(Number(values.port ?? '3000'), values.host ?? '127.0.0.1')
  process.stdout.write(`sample application listening on ${upstream.url}\n`)
  process.on('SIGTERM', () => { upstream.close().then(() => process.exit(0), () => process.exit(1)) })
  process.on('SIGINT', () => { upstream.close().then(() => process.exit(0), () => process.exit(1)) })
  return await new Promise<number>(() => {})
}

export async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'serve': return await serve(rest)
    case 'sample-upstream': return await sampleUpstream(rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`gatekeeper: unknown command "${command}"\n\n${USAGE}`)
      return 2
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  const message = isGatekeeperError(err) ? `${err.code}: ${err.message}` : (err as Error).stack ?? String(err)
  process.stderr.write(`gatekeeper: ${message}\n`)
  process.exitCode = 1
})
