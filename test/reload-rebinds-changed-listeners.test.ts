import { Agent, createServer, request, type Server } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import t from 'tap'
import { startFromFile } from './helpers/reload.js'
import { connectWebSocket, nextMessage } from './helpers/websocket-client.js'
import { freePort } from './helpers/ports.js'

interface Answer { status: number, body: string, reused: boolean, socket: Socket }

/** One GET over `agent` (keep-alive): its status, body, and whether it went over a socket already open. */
function getOver (agent: Agent, port: number, path = '/'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket, socket: req.socket as Socket }) })
    })
    req.on('error', reject)
    req.end()
  })
}

/** Whether a new TCP connection to the port is accepted (true) or refused (false). */
function accepts (port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => { resolve(false) })
  })
}

function listener (port: number): Record<string, unknown> {
  return { host: '127.0.0.1', port }
}

async function occupied (t: { teardown (fn: () => unknown): void }): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { server.close() })
  return (server.address() as AddressInfo).port
}

t.test('a listener added by a reload serves; the unchanged one keeps its keep-alive connection and drops nothing under load', async (t) => {
  const a = await freePort()
  const h = await startFromFile(t, { initialMode: 'open', listen: [listener(a)] })
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => { agent.destroy() })
  const first = await getOver(agent, a)
  t.equal(first.status, 200)

  const b = await freePort()
  h.rewrite({ listen: [listener(a), listener(b)] })
  // a bounded load loop on the unchanged listener, through the reload
  let errors = 0
  let done = 0
  const loopState = { stop: false }
  const loop = (async () => {
    const loader = new Agent({ keepAlive: true, maxSockets: 4 })
    for (let i = 0; i < 2000 && !loopState.stop; i++) {
      try {
        const answer = await getOver(loader, a)
        if (answer.status !== 200) errors++
      } catch {
        errors++
      }
      done++
    }
    loader.destroy()
  })()
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200, 'the reload is applied')
  t.ok(((await res.json()) as { changed: string[] }).changed.includes('listen'), 'listen is among the changed keys')
  t.equal((await getOver(new Agent(), b)).status, 200, 'the new listener serves')
  const again = await getOver(agent, a)
  t.equal(again.status, 200)
  t.ok(again.reused, 'the keep-alive connection opened before the reload is still the one used')
  t.equal(again.socket, first.socket, 'the same socket')
  loopState.stop = true
  await loop
  t.ok(done > 0, 'the loop ran')
  t.equal(errors, 0, 'no error on the unchanged listener during the reload')
  t.same(h.gk.config.listeners.map((l) => l.port), [a, b], 'the configuration in force names both')
})

t.test('a removed listener finishes its request in flight and its WebSocket, closes its idle keep-alive sockets, then refuses', async (t) => {
  const a = await freePort()
  const b = await freePort()
  const h = await startFromFile(t, { initialMode: 'open', listen: [listener(a), listener(b)] })
  const idleAgent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => { idleAgent.destroy() })
  const idle = await getOver(idleAgent, a)
  t.equal(idle.status, 200)
  const idleClosed = new Promise<void>((resolve) => { idle.socket.once('close', () => { resolve() }) })
  const upgrade = await connectWebSocket(`ws://127.0.0.1:${a}/ws`, '127.0.0.1')
  if (!('ws' in upgrade)) throw new Error(`the WebSocket was refused: ${upgrade.status}`)
  t.teardown(() => { upgrade.ws.terminate() })
  // in flight on a (the first listener, the app's own server) while it is removed
  const slow = getOver(new Agent(), a, '/slow?ms=1500')

  h.rewrite({ listen: [listener(b)] })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 200, 'the reload is applied')
  t.equal(await accepts(a), false, 'the removed listener takes no new connection')
  await idleClosed
  t.pass('its idle keep-alive socket was closed')
  const answer = await slow
  t.equal(answer.status, 200, 'the request in flight on it finished')
  t.match(answer.body, /slept 1500 ms/)
  upgrade.ws.send('still here')
  t.match(await nextMessage(upgrade.ws, 10_000), /still here/, 'its WebSocket still relays')
  t.equal((await getOver(new Agent(), b)).status, 200, 'the kept listener serves')
  upgrade.ws.close()
  await h.gk.close()
  t.pass('the gatekeeper closes after its first listener was removed')
})

t.test('a new listener that cannot bind refuses the whole reload, naming it; nothing changes', async (t) => {
  const a = await freePort()
  const h = await startFromFile(t, { initialMode: 'closed', listen: [listener(a)] })
  const b = await freePort()
  const taken = await occupied(t)
  h.rewrite({ listen: [listener(a), listener(b), listener(taken)], allowlist: ['127.0.0.2/32'] })
  const res = await h.admin('POST', '/v1/reload')
  t.equal(res.status, 422)
  const body = await res.json() as { code: string, message: string }
  t.equal(body.code, 'GK_ERR_RELOAD_REFUSED')
  t.match(body.message, /listen\[2\]/, 'the listener is named')
  t.match(body.message, new RegExp(`127\\.0\\.0\\.1:${taken}`), 'with its address')
  t.equal(await accepts(b), false, 'the listener bound for it was closed again')
  t.same(h.gk.config.allowlist, [], 'the allowlist did not change either')
  t.same(h.gk.config.listeners.map((l) => l.port), [a])
  t.equal((await getOver(new Agent(), a)).status, 503, 'the old listener still serves')

  // once the port is free, the same file is taken
  h.rewrite({ listen: [listener(a), listener(b)] })
  t.equal((await h.admin('POST', '/v1/reload')).status, 200)
  t.equal(await accepts(b), true)
})
