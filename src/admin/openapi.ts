import type { FastifyInstance, RouteOptions } from 'fastify'
import { ERRORS, object, readSchema, type Schema } from './schemas.js'

/** One route as the document sees it: what onRoute was given. */
interface RouteRecord { method: string, url: string, schema: Schema }

const IF_MATCH = { name: 'If-Match', in: 'header', required: false, description: 'make the change conditional: "<version>" (or *); a stale one is 412 GK_ERR_VERSION_MISMATCH and nothing changes', schema: { type: 'string' } }
const IF_NONE_MATCH = { name: 'If-None-Match', in: 'header', required: false, description: 'the ETag last read: 304 without a body while the state is unchanged', schema: { type: 'string' } }
const ETAG = { ETag: { description: 'the state version, "<version>"', schema: { type: 'string' } } }

/** `/v1/tokens/:name` → `/v1/tokens/{name}`; a wildcard takes the name of its one param. */
function pathOf (url: string, params: Schema | undefined): string {
  const wildcard = Object.keys((params?.properties ?? {}) as Schema).includes('*') ? 'cidr' : 'path'
  return url.replace(/:(\w+)/g, '{$1}').replace(/\/?\*$/, `/{${wildcard}}`)
}

function parametersOf (where: 'query' | 'path', schema: Schema | undefined): Schema[] {
  const properties = (schema?.properties ?? {}) as Record<string, Schema>
  const required = (schema?.required ?? []) as string[]
  return Object.entries(properties).map(([name, property]) => ({
    name: name === '*' ? 'cidr' : name,
    in: where,
    required: where === 'path' || required.includes(name),
    ...(property.description === undefined ? {} : { description: property.description }),
    schema: property
  }))
}

function responsesOf (route: RouteRecord): Schema {
  const responses: Schema = {}
  const declared = (route.schema.response ?? {}) as Record<string, Schema>
  const changes = route.method !== 'GET'
  for (const [status, schema] of Object.entries(declared)) {
    const success = status.startsWith('2')
    responses[status] = {
      description: success ? (route.schema.summary as string | undefined ?? 'done') : 'an error: see docs/reference/errors.md',
      ...(success && (changes || route.schema['x-if-none-match'] === true) ? { headers: ETAG } : {}),
      content: { [schema.type === 'string' ? 'text/plain' : 'application/json']: { schema } }
    }
  }
  if (route.schema['x-if-none-match'] === true) responses['304'] = { description: 'unchanged since the If-None-Match tag', headers: ETAG }
  return responses
}

function operationOf (route: RouteRecord, open: ReadonlySet<string>): Schema {
  const schema = route.schema
  const changes = route.method !== 'GET'
  const parameters = [
    ...parametersOf('path', schema.params as Schema | undefined),
    ...parametersOf('query', schema.querystring as Schema | undefined),
    ...(changes ? [IF_MATCH] : []),
    ...(schema['x-if-none-match'] === true ? [IF_NONE_MATCH] : [])
  ]
  return {
    summary: schema.summary ?? `${route.method} ${route.url}`,
    ...(open.has(route.url) ? { security: [] } : {}),
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(schema.body === undefined ? {} : { requestBody: { required: false, content: { 'application/json': { schema: schema.body } } } }),
    responses: responsesOf(route)
  }
}

/** The OpenAPI 3.1 document of `routes`: JSON Schema 2020-12 takes Fastify's schemas as they are. */
export function openApiDocument (routes: readonly RouteRecord[], open: ReadonlySet<string>, version: string): Schema {
  const paths: Record<string, Record<string, Schema>> = {}
  for (const route of routes) {
    const path = pathOf(route.url, route.schema.params as Schema | undefined)
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operationOf(route, open) }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Gatekeeper admin API', version, description: 'JSON in and out; every error is {statusCode, code, error, message} (docs/reference/errors.md). A refused call changes nothing.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an admin token: viewer reads, operator changes' } } },
    security: [{ bearer: [] }],
    paths
  }
}

/**
 * Records every route that declares a schema as it is added (HEAD copies
 * and routes with `schema.hide` left out), and serves them as GET
 * /v1/openapi.json. Call before the routes are registered.
 */
export function serveOpenApi (app: FastifyInstance, open: ReadonlySet<string>, version: string): void {
  const routes: RouteRecord[] = []
  app.addHook('onRoute', (options: RouteOptions) => {
    const schema = options.schema as Schema | undefined
    if (schema === undefined || schema.hide === true) return
    for (const method of [options.method].flat()) {
      if (method !== 'HEAD') routes.push({ method, url: options.url, schema })
    }
  })
  let document: string | undefined
  const reply = object({ openapi: { type: 'string' }, info: { type: 'object' }, paths: { type: 'object' } })
  app.get('/v1/openapi.json', { schema: { ...readSchema('this document: OpenAPI 3.1, built from the routes\' own schemas', reply), response: { 200: reply, ...ERRORS } } }, async (_request, res) => {
    document ??= JSON.stringify(openApiDocument(routes, open, version))
    return await res.type('application/json; charset=utf-8').send(document)
  })
}
