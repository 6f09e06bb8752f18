import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'

/**
 * A small application to put behind Gatekeeper: enough to see the gate work
 * (a page, an echo of what arrived, an upload sink, a slow answer, chosen
 * status codes, a WebSocket echo). The demo and the tests both use it.
 */
export interface SampleUpstream {
  server: Server
  url: string
  port: number
  close (): Promise<void>
}

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Sample application</title></head>
<body><main><h1 id="app">Sample application</h1><p>You are through the gate: this page comes from the application.</p></main></body></html>
`

function echo (req: IncomingMessage, res: ServerResponse): void {
  let bytes = 0
  req.on('data', (chunk: Buffer) => { bytes += chunk.length })
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBytes: bytes, remoteAddress: req.socket.remoteAddress })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body)
  })
}

function handle (req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://sample')
  if (url.pathname === '/echo' || url.pathname.startsWith('/echo/')) return echo(req, res)
  if (url.pathname === '/slow') {
    const ms = Math.min(Number(url.searchParams.get('ms') ?? '1000'), 60000)
    const timer = setTimeout(() => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(`slept ${ms} ms\n`) }, ms)
    res.on('close', () => clearTimeout(timer))
    return
  }
  const status = /^\/status\/(\d{3})$/.exec(url.pathname)
  if (status !== null) {
    res.writeHead(Number(status[1]), { 'content-type': 'text/plain' })
    res.end(`status ${status[1]}\n`)
    return
  }
  if (url.pathname === '/download') {
    const size = Math.min(Number(url.searchParams.get('bytes') ?? '1024'), 512 * 1024 * 1024)
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) })
    const chunk = Buffer.alloc(Math.min(size, 64 * 1024), 97)
    let left = size
    const pump = (): void => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
        left -= piece.length
        if (!res.write(piece)) { res.once('drain', pump); return }
      }
      res.end()
    }
    pump()
    return
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
  res.end(req.method === 'HEAD' ? undefined : PAGE)
}

export async function startSampleUpstream (port = 0, host = '127.0.0.1'): Promise<SampleUpstream> {
  const server = createServer(handle)
  const wss = new WebSocketServer({ server, path: '/ws' })
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ hello: true, forwardedFor: req.headers['x-forwarded-for'] ?? null }))
    socket.on('message', (data, binary) => socket.send(data, { binary }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}
