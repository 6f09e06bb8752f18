import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatekeeperConfig, shippedLaunch, startGatekeeperContender } from './harness/gatekeeper.js'
import { jsonLineWith, runBench, startPinned } from './harness/processes.js'
import { runWrk } from './harness/wrk.js'
async function main () {
  const dir = mkdtempSync(join(tmpdir(), 'gk-gc-'))
  const upstream = await startPinned({ name: 'upstream', cpus: '0', command: process.execPath, args: [join(import.meta.dirname, 'upstream.js')], ready: jsonLineWith('url') })
  const target = await startGatekeeperContender({ name: 'gk', dir, cpus: '1', launch: { env: shippedLaunch().env, nodeFlags: [...shippedLaunch().nodeFlags, '--trace-gc'] }, config: gatekeeperConfig({ dir, upstreamUrl: upstream.value.url }) })
  await runWrk({ url: target.url, seconds: 3, connections: 4, cpu: '0' })
  const before = target.output().split('\n').filter((l) => l.includes('Mark-Compact')).length
  const r = await runWrk({ url: target.url, seconds: 6, connections: 4, cpu: '0' })
  const mcs = target.output().split('\n').filter((l) => l.includes('Mark-Compact')).length - before
  console.log((process.env.LABEL ?? '').padEnd(10), 'req/s', Math.round(r.rps), 'p99', r.p99Ms, 'mark-compacts per 10k requests', (mcs / r.requests * 10000).toFixed(2))
  await target.stop(); await upstream.stop()
}
runBench(main, 'gc')
