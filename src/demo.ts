import { configPath, loadConfig } from './config/load.js'
import { startGatekeeper } from './server.js'
import { startSampleUpstream } from './sample/sample-upstream.js'

/**
 * `npm run demo`: the sample application on 127.0.0.1:3000 and Gatekeeper
 * in front of it with the shipped configuration, so the gate can be seen
 * working on a fresh machine.
 */
async function demo (): Promise<void> {
  process.env.GATEKEEPER_OPS_TOKEN ??= 'demo-operator-token-change-me'
  const config = await loadConfig(configPath(undefined))
  const upstream = await startSampleUpstream(Number(config.upstream.port || 80), config.upstream.hostname)
  const gatekeeper = await startGatekeeper(config)
  const token = process.env.GATEKEEPER_OPS_TOKEN
  const publicPort = config.listen.port
  process.stdout.write(`
Gatekeeper is in front of the sample application.
  public:  http://127.0.0.1:${publicPort}/    (the application: ${upstream.url})
  admin:   ${gatekeeper.adminUrl}    token: ${token}

Try, in another terminal:
  export GK_TOKEN=${token}
  curl -s -H "Authorization: Bearer $GK_TOKEN" -X POST ${gatekeeper.adminUrl}/v1/close \\
       -H 'content-type: application/json' -d '{"reason":"Upgrading to 2.4.1"}'
  curl -si --interface 127.0.0.2 http://127.0.0.2:${publicPort}/     # the public: 503 and the page
  curl -si http://127.0.0.1:${publicPort}/                            # this machine is allowlisted: the app
  curl -s -H "Authorization: Bearer $GK_TOKEN" -X POST ${gatekeeper.adminUrl}/v1/open

Stop with Ctrl-C.
`)
  const stop = (): void => {
    gatekeeper.close().then(() => upstream.close()).then(() => process.exit(0), () => process.exit(1))
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

demo().catch((err: unknown) => {
  process.stderr.write(`gatekeeper demo: ${(err as Error).message}\n`)
  process.exitCode = 1
})
