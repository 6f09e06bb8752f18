// The floor of the stack Gatekeeper is built on: Node's HTTP and HTTPS
// servers and an undici pool, and nothing else. No gate, no decision, no
// metrics, no access log, no node choice; the request's headers go to the
// upstream as they came (with the pool's Host), the answer comes back as it
// came, with only the hop-by-hop headers dropped. No proxy on this stack can
// cost less per request than this one, so the ratio nginx ÷ floor bounds
// what any work on Gatekeeper's own code could reach against nginx.
// Not a proxy to use: it forwards whatever it is sent.
//
//   node bench/floor-proxy.js UPSTREAM_URL CERT KEY
//
// Prints one JSON line: { tlsUrl, plainUrl }.

import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { Pool } from 'undici'
import { TLS_TERMS } from '../dist/src/public/tls/certificate.js'

const [upstream, certFile, keyFile] = process.argv.slice(2)
if (keyFile === undefined) throw new Error('usage: node bench/floor-proxy.js UPSTREAM_URL CERT KEY')

const pool = new Pool(upstream, { pipelining: 1, keepAliveTimeout: 30_000 })
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer'])

/** A header list without the hop-by-hop headers (and, towards the upstream, without the client's Host: the pool sends its own). */
function passed (headers, skipHost = false) {
  const out = []
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || (skipHost && name === 'host')) continue
    const value = headers[name]
    if (Array.isArray(value)) for (const one of value) out.push(name, one)
    else out.push(name, value)
  }
  return out
}

function handle (request, response) {
  const headers = passed(request.headers, true)
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : request
  let controller = null
  response.on('close', () => { if (controller !== null && !controller.aborted) controller.abort(new Error('client gone')) })
  pool.dispatch({ path: request.url, method: request.method, headers, body }, {
    onRequestStart (c) { controller = c },
    onResponseStart (_c, status, responseHeaders) { response.writeHead(status, passed(responseHeaders)) },
    onResponseData (c, chunk) {
      if (!response.write(chunk)) {
        c.pause()
        response.once('drain', () => { c.resume() })
      }
    },
    onResponseEnd () { controller = null; response.end() },
    onResponseError (_c, err) {
      controller = null
      if (response.headersSent) response.destroy(err)
      else { response.writeHead(502); response.end() }
    }
  })
}

// Gatekeeper's own TLS terms: the same protocols, ciphers and order
const tlsTerms = {
  ...TLS_TERMS,
  cert: readFileSync(certFile),
  key: readFileSync(keyFile)
}
const tls = createHttpsServer(tlsTerms, handle)
const plain = createServer(handle)
const listen = (server) => new Promise((resolve) => { server.listen(0, '127.0.0.1', () => { resolve(server.address().port) }) })
const [tlsPort, plainPort] = [await listen(tls), await listen(plain)]
process.stdout.write(JSON.stringify({ tlsUrl: `https://127.0.0.1:${tlsPort}/`, plainUrl: `http://127.0.0.1:${plainPort}/` }) + '\n')

process.on('SIGTERM', () => {
  tls.close()
  plain.close()
  tls.closeAllConnections()
  plain.closeAllConnections()
  pool.close().then(() => process.exit(0), () => process.exit(1))
})
