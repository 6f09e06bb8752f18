// Full TLS handshakes per second: `concurrency` loops, each opening a new
// connection per request (no session resumption: no session is kept), sending
// one GET and closing once the answer has come. Bounded by time and by count.
// wrk cannot do this (it keeps its connections).
//
//   node bench/harness/handshakes.js <port> <seconds> <concurrency> [maxRequests]
//
// Prints one JSON line: { handshakes, seconds, rate, errors, protocols }.

import { connect } from 'node:tls'

const [port, seconds, concurrency, max] = process.argv.slice(2).map(Number)
const limit = Number.isInteger(max) && max > 0 ? max : 1_000_000
const deadline = Date.now() + seconds * 1000
let done = 0
let errors = 0
const protocols = {}

function once () {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'bench.test', rejectUnauthorized: false }, () => {
      protocols[socket.getProtocol()] = (protocols[socket.getProtocol()] ?? 0) + 1
      socket.write('GET / HTTP/1.1\r\nHost: bench.test\r\nConnection: close\r\n\r\n')
    })
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')))
    socket.on('data', () => {})
    socket.once('error', () => { errors++; resolve() })
    socket.once('close', () => { resolve() })
    socket.once('end', () => { done++; socket.destroy() })
  })
}

const started = Date.now()
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (Date.now() < deadline && done + errors < limit) await once()
}))
const elapsed = (Date.now() - started) / 1000
process.stdout.write(JSON.stringify({ handshakes: done, seconds: elapsed, rate: done / elapsed, errors, protocols }) + '\n')
