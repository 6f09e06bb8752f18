// The application behind every contender: one keep-alive HTTP server that
// answers every request with the same 1 KB body, so what is measured is the
// proxy in front of it, not the application.
//
//   node bench/upstream.js [PORT]

import { createServer } from 'node:http'

const BODY = Buffer.alloc(1024, 'x')
const HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(BODY.length) }

const server = createServer((request, response) => {
  // a proxied request may carry a body; reading it keeps the connection reusable
  request.resume()
  response.writeHead(200, HEADERS)
  response.end(BODY)
})
// longer than any proxy's idle timeout, so the proxies' pooled connections stay up between rounds
server.keepAliveTimeout = 120_000
server.headersTimeout = 121_000

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = server.address()
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n')
})

process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections() })
