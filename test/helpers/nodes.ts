import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { parseConfig } from '../../src/config/config.js'
import { startGatekeeper, type Gatekeeper } from '../../src/server.js'
import { adminClient, rawConfig, tempDir, TEST_ENV, type AdminCall } from './harness.js'

interface Teardown { teardown (fn: () => unknown): void }

/**
 * One application node for tests: a real HTTP server on loopback port 0.
 * `/login` issues a JSESSIONID; `/slow?ms=N` answers late; `/portal/health`
 * answers 200 unless `healthy` is false; anything else answers with the
 * node's name. It counts what it served.
 */
export interface TestNode {
  name: string
  url: string
  port: number
  server: Server
  served: number
  healthChecks: number
  healthy: boolean
  /** requests waiting in /hold until release() */
  held: number
  release (): void
  close (): Promise<void>
}

let sessions = 0

export async function startNode (t: Teardown, name: string, port = 0): Promise<TestNode> {
  const holds: Array<() => void> = []
  const node: TestNode = {
    name,
    url: '',
    port: 0,
    server: createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://node')
      if (url.pathname === '/portal/health') {
        node.healthChecks++
        res.writeHead(node.healthy ? 200 : 500, { 'content-type': 'text/plain' })
        res.end(node.healthy ? 'ok' : 'sick')
        return
      }
      node.served++
      if (url.pathname === '/login') {
        sessions++
        res.writeHead(200, { 'content-type': 'text/plain', 'set-cookie': `JSESSIONID=${name}-${sessions}-${process.pid}; Path=/; HttpOnly` })
        res.end(name)
        return
      }
      if (url.pathname === '/slow') {
        const timer = setTimeout(() => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(name) }, Number(url.searchParams.get('ms') ?? '200'))
        res.on('close', () => { clearTimeout(timer) })
        return
      }
      if (url.pathname === '/hold') {
        node.held++
        holds.push(() => { node.held--; res.writeHead(200, { 'content-type': 'text/plain' }); res.end(name) })
        return
      }
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(name)
    }),
    served: 0,
    healthChecks: 0,
    healthy: true,
    held: 0,
    release () {
      for (const done of holds.splice(0)) done()
    },
    async close () {
      if (!node.server.listening) return
      await new Promise<void>((resolve) => {
        node.server.close(() => { resolve() })
        node.server.closeAllConnections()
      })
    }
  }
  node.server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => { node.server.listen(port, '127.0.0.1', () => { resolve() }) })
  node.port = (node.server.address() as AddressInfo).port
  node.url = `http://127.0.0.1:${node.port}`
  t.teardown(async () => { node.release(); await node.close() })
  return node
}

export interface NodesHarness {
  gk: Gatekeeper
  admin: AdminCall
  dir: string
  publicUrl: string
}

/** A Gatekeeper in front of `nodes`, with `upstream` settings beside the node list. */
export async function startNodesGate (t: Teardown, nodes: Array<{ name: string, url: string, weight?: number }>,
  upstream: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, dir = tempDir(t)): Promise<NodesHarness> {
  const raw = rawConfig(dir, '', { ...extra })
  raw.upstream = { nodes, ...upstream }
  const config = parseConfig(raw, TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: process.env.GK_TEST_LOG ?? 'silent' }) })
  t.teardown(() => gk.close())
  return { gk, admin: adminClient(gk.adminUrl), dir, publicUrl: gk.publicUrl }
}

/** Polls `check` every 20 ms until it holds, for at most `timeoutMs`. */
export async function until (check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return await check()
}

/** Sets a node's state through the admin API, with the current ETag. */
export async function setNode (h: NodesHarness, name: string, state: string, reason = '', query = ''): Promise<Response> {
  const etag = (await h.admin('GET', '/v1/state')).headers.get('etag') ?? ''
  return await h.admin('POST', `/v1/nodes/${name}${query}`, { state, reason }, { 'if-match': etag })
}
