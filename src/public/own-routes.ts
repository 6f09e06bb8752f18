import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config/config.js'
import { errors } from '../errors.js'
import { errorBodyOf } from '../errors-reply.js'
import { bypassValid } from '../gate/decide.js'
import { judge } from './admit.js'
import { sha256Hex } from '../gate/token.js'
import type { GateRuntime } from '../runtime/gate-runtime.js'
import { maintenanceFacts } from '../runtime/maintenance.js'
import { clientIpOf, factsOptionsOf, requestFacts } from './request-facts.js'

const NO_SUCH_PATH = errorBodyOf(new errors.GK_ERR_NOT_FOUND('such Gatekeeper path'))

export interface OwnRoutesOptions {
  config: Config
  runtime: GateRuntime
  /** refilled in place when a reload reads the pages again */
  assets: Map<string, { body: Buffer, contentType: string, etag: string }>
  /** the Retry-After hint in force (a reload may change it) */
  retryAfter: () => number
  /** the gate of the request's site (`sites:`); by default `runtime` */
  runtimeFor?: (request: IncomingMessage) => GateRuntime
  /** the page assets of the request's site (`sites[].pages`); by default `assets` */
  assetsFor?: (request: IncomingMessage) => OwnRoutesOptions['assets']
}

const INVALID_LINK = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Link not valid</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><main><h1>This access link is not valid</h1><p>It has expired, been revoked, or was copied incompletely. Ask the person running the upgrade for a new one.</p></main></body></html>
`

/** Gatekeeper's own public paths, answered before (and outside) the gate. */
export async function ownRoutes (app: FastifyInstance, options: OwnRoutesOptions): Promise<void> {
  const { config, assets } = options
  const factsOptions = factsOptionsOf(config, options.runtime.trustedProxies)
  const runtimeFor = options.runtimeFor ?? (() => options.runtime)
  const assetsFor = options.assetsFor ?? (() => assets)

  app.get('/__gatekeeper/status', async (request, reply) => {
    const runtime = runtimeFor(request.raw)
    const snapshot = runtime.current()
    const now = Date.now()
    const ip = clientIpOf(request, runtime.trustedProxies)
    // asked as the page's own navigation would be: a GET of the site
    const facts = { ...requestFacts(request, ip, factsOptions), method: 'GET', url: '/', hasBody: false, methodOverride: undefined, upgrade: false }
    const decision = judge(snapshot, facts, now)
    const held = maintenanceFacts(snapshot.state, options.retryAfter(), now)
    reply.header('cache-control', 'no-store')
    return {
      mode: snapshot.mode,
      admitted: decision.pass,
      reason: held.reason,
      retryAfter: held.retryAfter,
      eta: held.eta === '' ? null : held.eta
    }
  })

  app.get<{ Params: { token: string } }>('/__gatekeeper/bypass/:token', async (request, reply) => {
    const token = request.params.token
    const runtime = runtimeFor(request.raw)
    const snapshot = runtime.current()
    const now = Date.now()
    reply.header('cache-control', 'no-store')
    if (!bypassValid(snapshot, token, now)) {
      request.log.info({ clientIp: clientIpOf(request, runtime.trustedProxies) }, 'bypass link refused')
      return reply.code(403).type('text/html; charset=utf-8').send(INVALID_LINK)
    }
    const expiresAt = snapshot.tokens.get(sha256Hex(token)) ?? now
    const name = snapshot.access.tokens.find((entry) => entry.sha256 === sha256Hex(token))?.name
    request.log.info({ clientIp: clientIpOf(request, runtime.trustedProxies), token: name }, 'bypass link used')
    const secure = request.headers['x-forwarded-proto'] === 'https' && runtime.trustedProxies.has(request.raw.socket.remoteAddress ?? '')
    reply.header('set-cookie', `${config.bypass.cookieName}=${token}; Path=/; Expires=${new Date(expiresAt).toUTCString()}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`)
    return reply.redirect('/', 303)
  })

  app.get<{ Params: { name: string } }>('/__gatekeeper/assets/:name', async (request, reply) => {
    const asset = assetsFor(request.raw).get(request.params.name)
    if (asset === undefined) return reply.code(404).send(errorBodyOf(new errors.GK_ERR_NOT_FOUND(`page asset ${JSON.stringify(request.params.name.slice(0, 100))}`)))
    reply.header('cache-control', 'public, max-age=300').header('etag', asset.etag).header('x-content-type-options', 'nosniff').type(asset.contentType)
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send()
    return reply.send(asset.body)
  })

  // anything else under Gatekeeper's prefix is Gatekeeper's: never proxied
  app.all('/__gatekeeper/*', async (_request, reply) => {
    return reply.code(404).send(NO_SUCH_PATH)
  })
}
