// The baseline: Fastify 5 and @fastify/http-proxy with their defaults and
// nothing else, the way the plugin's README starts.
//
//   node bench/bare-proxy.js UPSTREAM_URL

import Fastify from 'fastify'
import httpProxy from '@fastify/http-proxy'

const upstream = process.argv[2]
if (upstream === undefined) throw new Error('usage: node bench/bare-proxy.js UPSTREAM_URL')

const app = Fastify()
await app.register(httpProxy, { upstream })
await app.listen({ host: '127.0.0.1', port: 0 })
const { port } = app.server.address()
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n')

process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
