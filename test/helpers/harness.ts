import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfig, type Config } from '../../src/config/config.js'
import { startGatekeeper, type Gatekeeper } from '../../src/server.js'
import { startSampleUpstream, type SampleUpstream } from '../../src/sample/sample-upstream.js'

export const OPERATOR_TOKEN = 'operator-token-for-tests-0123456789'
export const VIEWER_TOKEN = 'viewer-token-for-tests-0123456789'

interface Teardown { teardown (fn: () => unknown): void }

export interface Harness {
  gk: Gatekeeper
  upstream: SampleUpstream
  dir: string
  config: Config
  admin: (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>
}

export function tempDir (t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), 'gk-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The raw configuration of a test instance: ports 0, a private state directory, this test's upstream. */
export function rawConfig (dir: string, upstreamUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    upstream: upstreamUrl,
    admin: {
      listen: { host: '127.0.0.1', port: 0 },
      tokens: [
        { name: 'ops', role: 'operator', tokenEnv: 'GK_TEST_OPERATOR' },
        { name: 'watcher', role: 'viewer', tokenEnv: 'GK_TEST_VIEWER' }
      ]
    },
    store: { type: 'file', path: join(dir, 'state.json') },
    maintenance: { pagesDir: join(process.cwd(), 'maintenance-pages') },
    logLevel: process.env.GK_TEST_LOG ?? 'silent',
    ...extra
  }
}

export const TEST_ENV = { ...process.env, GK_TEST_OPERATOR: OPERATOR_TOKEN, GK_TEST_VIEWER: VIEWER_TOKEN }

export type AdminCall = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>

/** Calls the admin API at `adminUrl` with the operator token; a body that is not a string goes as JSON. */
export function adminClient (adminUrl: string, token = OPERATOR_TOKEN): AdminCall {
  return async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, ...headers } }
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body)
      init.headers = { 'content-type': 'application/json', ...init.headers }
    }
    return await fetch(adminUrl + path, init)
  }
}

/** A real upstream on port 0 and a real Gatekeeper in front of it, both closed in teardown. */
export async function startHarness (t: Teardown, extra: Record<string, unknown> = {}, dir = tempDir(t)): Promise<Harness> {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const config = parseConfig(rawConfig(dir, upstream.url, extra), TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: process.env.GK_TEST_LOG ?? 'silent' }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  return { gk, upstream, dir, config, admin }
}

export interface Answer { status: number, headers: IncomingHttpHeaders, body: string }

/** One HTTP request from a chosen source address (127.0.0.x, ::1): how the allowlist is proven. */
export function get (url: string, options: { from?: string, method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const req = httpRequest({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port,
      path: target.pathname + target.search,
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      agent: false,
      ...(options.from === undefined ? {} : { localAddress: options.from })
    }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

/** The public URL as seen from another loopback address: the listener is on 127.0.0.1. */
export function publicUrl (h: Harness, path = '/'): string {
  return h.gk.publicUrl + path
}

/** The status of a GET with a request target written byte for byte: no client library normalises it first. */
export function rawStatus (url: string, target: string): Promise<number> {
  const { port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n`)
    })
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)))
    socket.on('error', reject)
  })
}
