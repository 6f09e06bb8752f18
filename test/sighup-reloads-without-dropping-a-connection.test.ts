import { Agent, request } from 'node:http'
import { renameSync, writeFileSync } from 'node:fs'
import t from 'tap'
import { startSampleUpstream } from '../src/sample/sample-upstream.js'
import { get, rawConfig, tempDir } from './helpers/harness.js'
import { startProcess, writeConfig } from './helpers/process.js'
import { connectWebSocket, nextMessage } from './helpers/websocket-client.js'
import { until } from './helpers/cluster.js'

/** A GET over `agent` from 127.0.0.1: its status, body, and whether it rode a connection opened before. */
function viaAgent (agent: Agent, url: string): Promise<{ status: number, body: string, reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, localAddress: '127.0.0.1' }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('SIGHUP applies a new allowlist while a request, a keep-alive connection and a WebSocket carry on; a broken file is refused and the process lives', async (t) => {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, { initialMode: 'closed', allowlist: ['127.0.0.1/32'], logLevel: 'info' })
  const path = writeConfig(dir, raw)
  const gk = await startProcess(t, path)
  const pid = gk.child.pid
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())

  t.equal((await viaAgent(agent, gk.publicUrl + '/echo')).status, 200, 'the listed address passes')
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.3' })).status, 503, 'another address waits')
  const upgrade = await connectWebSocket(gk.publicUrl.replace('http', 'ws') + '/ws', '127.0.0.1')
  if (!('ws' in upgrade)) throw new Error(`the WebSocket was refused with ${upgrade.status}`)
  const { ws } = upgrade
  t.teardown(() => ws.terminate())
  // in flight across the reload: answered a few seconds from now
  const slow = get(gk.publicUrl + '/slow?ms=3000', { from: '127.0.0.1' })

  writeConfig(dir, { ...raw, allowlist: ['127.0.0.1/32', '127.0.0.3/32'] })
  process.kill(pid as number, 'SIGHUP')
  await until('the new allowlist admits 127.0.0.3', async () => (await get(gk.publicUrl + '/', { from: '127.0.0.3' })).status === 200, 15_000)
  // the line is written once every part has applied, a moment after the gate admits the address
  await until('the reload is logged', () => gk.output().includes('"configuration reloaded"'), 15_000)
  t.match(gk.output(), /"changed":\["allowlist"\]/)

  t.equal((await slow).status, 200, 'the request in flight was answered')
  const again = await viaAgent(agent, gk.publicUrl + '/echo')
  t.equal(again.status, 200)
  t.ok(again.reused, 'the keep-alive connection from before the reload carries the next request')
  ws.send('still here')
  t.match(await nextMessage(ws, 10_000), /still here/, 'the WebSocket still relays')
  t.equal(gk.child.exitCode, null, 'still running')
  t.equal(gk.child.pid, pid)

  // a file that does not parse: refused, the allowlist in force stays, the process lives
  writeFileSync(path, 'allowlist: [unclosed')
  process.kill(pid as number, 'SIGHUP')
  await until('the refusal is logged', () => /GK_ERR_RELOAD_REFUSED/.test(gk.output()), 15_000)
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.3' })).status, 200, 'the configuration in force still serves')
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.4' })).status, 503, 'and still keeps out who it kept out')

  // no file at all
  renameSync(path, path + '.gone')
  const refusals = gk.output().split('reload refused').length
  process.kill(pid as number, 'SIGHUP')
  await until('the second refusal is logged', () => gk.output().split('reload refused').length > refusals, 15_000)
  t.match(gk.output(), /cannot read/)
  t.equal((await get(gk.publicUrl + '/', { from: '127.0.0.3' })).status, 200)
  ws.send('and now')
  t.match(await nextMessage(ws, 10_000), /and now/)
  t.equal(gk.child.exitCode, null, 'SIGHUP never ends the process')
  t.equal(gk.child.signalCode, null)
  t.equal(await gk.stop(), 0, 'it still stops cleanly on SIGTERM')
})
