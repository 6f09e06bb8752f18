// The application behind every contender: one keep-alive HTTP server that
// answers every request with the same 1 KB body, so what is measured is the
// proxy in front of it, not the application.
//
//   node bench/upstream.js [PORT]

import { createServer } from 'node:http'

const BODY = Buffer.alloc(1024, 'x')
const HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(BODY.length) }

function answer (request, response) {
  // a proxied request may carry a body; reading it keeps the connection reusable
  request.resume()
  response.writeHead(200, HEADERS)
  response.end(BODY)
}

// a second port in the same process: a second application node whose answers cost the machine
// exactly what the first one's do (a second process on the load core would slow wrk down instead)
const servers = [createServer(answer), createServer(answer)]
for (const server of servers) {
  // longer than any proxy's idle timeout, so the proxies' pooled connections stay up between rounds
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 121_000
}

const [main, second] = servers
main.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  second.listen(0, '127.0.0.1', () => {
    const urlOf = (server) => `http://127.0.0.1:${server.address().port}`
    process.stdout.write(JSON.stringify({ url: urlOf(main), secondUrl: urlOf(second) }) + '\n')
  })
})

process.on('SIGTERM', () => {
  let open = servers.length
  for (const server of servers) {
    server.close(() => { if (--open === 0) process.exit(0) })
    server.closeAllConnections()
  }
})
