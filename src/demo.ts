import { fileURLToPath } from 'node:url'
import { describeStartFailure } from './cli/start-failure.js'
import type { Config } from './config/config.js'
import { loadConfig } from './config/load.js'
import { startGatekeeper, type Gatekeeper } from './server.js'
import { startSampleUpstream, type SampleUpstream } from './sample/sample-upstream.js'

/** The demo's own configuration: it allowlists this machine, which production never should. */
const DEMO_CONFIG = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url))
const DEMO_TOKEN = 'demo-operator-token-change-me'

function fail (what: string, err: unknown, config: Config | undefined): never {
  process.stderr.write(`gatekeeper demo: ${what}: ${describeStartFailure(err, config)}\n`)
  process.exit(1)
}

/**
 * `npm run demo`: the sample application on 127.0.0.1:3000 and Gatekeeper
 * in front of it, so the gate can be seen working on a fresh machine. It
 * stops with one line when a port is taken, and tells how to see the page as
 * the public does: this machine is allowlisted, another loopback address is not.
 */
async function demo (): Promise<void> {
  process.env.GATEKEEPER_TOKEN ??= DEMO_TOKEN
  let config: Config | undefined
  let upstream: SampleUpstream | undefined
  let gatekeeper: Gatekeeper
  try {
    config = await loadConfig(DEMO_CONFIG)
  } catch (err) {
    return fail('the demo configuration', err, undefined)
  }
  try {
    upstream = await startSampleUpstream(Number(config.upstream.port || 80), config.upstream.hostname)
  } catch (err) {
    return fail(`the sample application (upstream ${config.upstream.origin})`, err, undefined)
  }
  try {
    // started from its file, so `gatekeeper reload` reads it again like a served one
    gatekeeper = await startGatekeeper(config, { configFile: { path: DEMO_CONFIG } })
  } catch (err) {
    await upstream.close()
    return fail('gatekeeper', err, config)
  }
  const port = config.listen.port
  const token = process.env.GATEKEEPER_TOKEN
  process.stdout.write(`
Gatekeeper is in front of the sample application (${upstream.url}).
  public:   http://127.0.0.1:${port}/  (this machine is allowlisted: it always sees the application)
  as the public sees it: http://127.0.0.2:${port}/  (curl --interface 127.0.0.2 …)
  admin:    ${gatekeeper.adminUrl}   console: ${gatekeeper.adminUrl}/console
  state:    ${config.store.type === 'file' ? config.store.path : 'redis'}

In another terminal, from this checkout:
  export GATEKEEPER_TOKEN=${token}
  gatekeeper () { node dist/src/cli.js "$@"; }
  gatekeeper close --reason "Upgrading to 2.4.1" --until 2h
  curl -si --interface 127.0.0.2 http://127.0.0.2:${port}/ | head -5    # the public: 503 and the page
  curl -s http://127.0.0.1:${port}/ | head -3                           # allowlisted: the application
  gatekeeper open

Stop with Ctrl-C.
`)
  const stop = (): void => {
    gatekeeper.close().then(async () => await upstream?.close()).then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

demo().catch((err: unknown) => {
  process.stderr.write(`gatekeeper demo: ${(err as Error).message}\n`)
  process.exitCode = 1
})
