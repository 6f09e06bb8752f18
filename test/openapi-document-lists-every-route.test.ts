import t from 'tap'
import { VIEWER_TOKEN, adminClient } from './helpers/harness.js'
import { startReopenHarness } from './helpers/reopen-harness.js'

interface Operation { parameters?: Array<{ name: string, in: string }>, requestBody?: unknown, responses: Record<string, unknown>, security?: unknown }
interface OpenApi { openapi: string, info: { title: string, version: string }, paths: Record<string, Record<string, Operation>>, components: { securitySchemes: Record<string, { type: string, scheme: string }> } }

/** Every method and path the router holds, read from Fastify's own route tree (not from the document's hook). */
function registeredRoutes (tree: string): Array<{ method: string, url: string }> {
  const routes: Array<{ method: string, url: string }> = []
  const stack: string[] = []
  for (const line of tree.split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]+)\))?$/.exec(line)
    if (match === null) continue
    const depth = (match[1] as string).length / 4
    const url = (depth === 0 ? '' : stack[depth - 1] as string) + (match[2] as string)
    stack[depth] = url
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '')) routes.push({ method, url })
  }
  return routes
}

/** `/v1/tokens/:name` → `/v1/tokens/{name}`; `/v1/allowlist/*` → `/v1/allowlist/{cidr}`. */
function openApiPath (url: string): string {
  return url.replace(/:(\w+)/g, '{$1}').replace(/\/?\*$/, '/{cidr}')
}

t.test('GET /v1/openapi.json is an OpenAPI 3.1 document listing every /v1 route', async (t) => {
  const h = await startReopenHarness(t)
  const viewer = adminClient(h.gk.adminUrl, VIEWER_TOKEN)
  const res = await viewer('GET', '/v1/openapi.json')
  t.equal(res.status, 200, 'a viewer token reads it')
  t.match(res.headers.get('content-type'), /application\/json/)
  const doc = JSON.parse(await res.text()) as OpenApi
  t.equal(doc.openapi, '3.1.0')
  t.equal(doc.info.title, 'Gatekeeper admin API')
  t.match(doc.components.securitySchemes, { bearer: { type: 'http', scheme: 'bearer' } })

  const unauthenticated = await fetch(h.gk.adminUrl + '/v1/openapi.json')
  t.equal(unauthenticated.status, 401, 'it needs a token, like every other read')

  const registered = registeredRoutes(h.gk.adminApp.printRoutes({ commonPrefix: false }))
  const v1 = registered.filter((route) => route.url.startsWith('/v1/') && route.method !== 'HEAD')
  t.ok(v1.length >= 20, `${v1.length} /v1 routes registered`)
  for (const route of v1) {
    const operation = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()]
    t.ok(operation, `${route.method} ${route.url} is in the document`)
    if (operation === undefined) continue
    t.ok(operation.responses['200'] ?? operation.responses['201'], `${route.method} ${route.url}: a success answer`)
    t.ok(operation.responses['4XX'], `${route.method} ${route.url}: the error answer`)
    if (route.method === 'POST') t.ok(operation.requestBody, `${route.method} ${route.url}: its body`)
    if (route.method !== 'GET') {
      t.ok(operation.parameters?.some((p) => p.in === 'header' && p.name === 'If-Match'), `${route.method} ${route.url}: If-Match`)
    }
  }
  t.ok(doc.paths['/v1/state']?.get?.parameters?.some((p) => p.in === 'header' && p.name === 'If-None-Match'), 'the state read documents If-None-Match')
  t.ok(doc.paths['/v1/tokens/{name}']?.delete?.parameters?.some((p) => p.in === 'path' && p.name === 'name'), 'a path parameter is documented')
  t.ok(doc.paths['/v1/audit']?.get?.parameters?.some((p) => p.in === 'query' && p.name === 'limit'), 'a query parameter is documented')
})
