import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import t from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { parseConfig } from '../src/config/config.js'
import { startGatekeeper } from '../src/server.js'
import { rawConfig, TEST_ENV, tempDir } from './helpers/harness.js'
import { closeCodeOf, connectWebSocket, nextMessage } from './helpers/websocket-client.js'

const MiB = 1024 * 1024

interface Teardown { teardown (fn: () => unknown): void }

interface Upstream { url: string, received: number[], closed: Promise<void> }

/** A WebSocket upstream that records the size of every message it gets; `send:N` asks it for a message of N bytes. */
async function startRecordingUpstream (t: Teardown): Promise<Upstream> {
  const server = createServer()
  const wss = new WebSocketServer({ server, maxPayload: 200 * MiB })
  const received: number[] = []
  let onClose: () => void = () => {}
  // bounded, so a socket the gatekeeper leaves open fails the test rather than hanging it
  const closed = new Promise<void>((resolve) => {
    onClose = resolve
    setTimeout(resolve, 20000).unref()
  })
  wss.on('connection', (socket) => {
    socket.send(JSON.stringify({ hello: true }))
    socket.on('message', (data: Buffer) => {
      received.push(data.length)
      const asked = /^send:(\d+)$/.exec(data.length < 32 ? data.toString() : '')
      socket.send(asked === null ? `got ${data.length}` : Buffer.alloc(Number(asked[1]), 120))
    })
    socket.on('close', () => onClose())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    for (const client of wss.clients) client.terminate()
    wss.close()
    server.close(() => resolve())
  }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, closed }
}

async function start (t: Teardown, websocket?: Record<string, unknown>): Promise<{ url: string, upstream: Upstream }> {
  const upstream = await startRecordingUpstream(t)
  const config = parseConfig(rawConfig(tempDir(t), upstream.url, websocket === undefined ? {} : { websocket }), TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: process.env.GK_TEST_LOG ?? 'silent' }) })
  t.teardown(() => gk.close())
  return { url: gk.publicUrl.replace('http', 'ws') + '/ws', upstream }
}

async function open (t: Teardown, url: string): Promise<WebSocket> {
  const socket = await connectWebSocket(url, '127.0.0.3')
  if (!('ws' in socket)) throw new Error(`the upgrade was refused: ${socket.status}`)
  t.teardown(() => socket.ws.terminate())
  return socket.ws
}

t.test('by default a message over 1 MiB closes the socket with 1009 and never reaches the upstream', async (t) => {
  const { url, upstream } = await start(t)
  const ws = await open(t, url)
  const reply = nextMessage(ws, 20000)
  ws.send(Buffer.alloc(MiB, 97))
  t.equal(await reply, `got ${MiB}`, 'a message of exactly 1 MiB passes')

  const closed = closeCodeOf(ws, 20000)
  ws.send(Buffer.alloc(MiB + 1, 98))
  t.equal(await closed, 1009, 'one byte more: closed as "message too big"')
  await upstream.closed
  t.same(upstream.received, [MiB], 'the upstream only ever got the message within the limit')
})

t.test('websocket.maxMessageBytes sets the limit for messages from clients', async (t) => {
  const { url, upstream } = await start(t, { maxMessageBytes: 4096 })
  const ws = await open(t, url)
  const reply = nextMessage(ws, 20000)
  ws.send(Buffer.alloc(4096, 97))
  t.equal(await reply, 'got 4096')
  const closed = closeCodeOf(ws, 20000)
  ws.send(Buffer.alloc(4097, 98))
  t.equal(await closed, 1009)
  await upstream.closed
  t.same(upstream.received, [4096])
})

t.test('websocket.upstreamMaxMessageBytes sets the limit for messages from the upstream', async (t) => {
  const { url } = await start(t, { upstreamMaxMessageBytes: 4096 })
  const ws = await open(t, url)
  const within = nextMessage(ws, 20000)
  ws.send('send:4096')
  t.equal((await within).length, 4096, 'a message within the limit reaches the client')
  let relayed = 0
  ws.on('message', () => { relayed++ })
  const closed = closeCodeOf(ws, 20000)
  ws.send('send:4097')
  t.equal(await closed, 1011, 'one byte more closes the link (an upstream error to the client)')
  t.equal(relayed, 0, 'and the message never reaches the client')
})

t.test('a bad limit stops start-up with a message naming the key', async (t) => {
  const dir = tempDir(t)
  for (const [key, value] of [['maxMessageBytes', '1MiB'], ['maxMessageBytes', 0], ['upstreamMaxMessageBytes', 1.5], ['upstreamMaxMessageBytes', 2 * 1024 * MiB]] as const) {
    t.throws(() => parseConfig(rawConfig(dir, 'http://127.0.0.1:1', { websocket: { [key]: value } }), TEST_ENV),
      { code: 'GK_ERR_CONFIG', message: new RegExp(`websocket\\.${key}: must be a whole number of bytes`) }, `${key}: ${JSON.stringify(value)}`)
  }
})
