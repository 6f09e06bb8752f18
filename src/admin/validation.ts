import type { FastifySchemaValidationError } from 'fastify'
import { errors } from '../errors.js'

/**
 * Ajv, as the admin API runs it: an unknown field is refused, never quietly
 * dropped (Fastify's default removes it), and nothing is coerced (`"25"` is
 * not the percent 25; query values stay the strings they were sent as).
 * `verbose` keeps the refused value and its schema, to name both.
 */
export const ADMIN_AJV = { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false, verbose: true, allowUnionTypes: true } } as const

interface Schemaish { description?: string, properties?: Record<string, Schemaish>, enum?: unknown[] }

const PARTS: Readonly<Record<string, string>> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' }

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a JSON object',
  array: 'a list',
  null: 'null'
}

/** `/steps/0/hold` under `body` → `body.steps[0].hold`. */
function fieldName (part: string, instancePath: string): string {
  let name = part
  for (const segment of instancePath.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~')
    name += /^\d+$/.test(key) ? `[${key}]` : `.${key}`
  }
  return name
}

function shown (value: unknown): string {
  if (value === undefined) return 'nothing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

function typeWords (type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',')
  return types.map((name) => TYPE_WORDS[String(name)] ?? String(name)).join(' or ')
}

/** What the field must be, in words: its schema's description when it has one, else Ajv's own words. */
function expectation (error: FastifySchemaValidationError): string {
  const schema = (error as { parentSchema?: Schemaish }).parentSchema
  if (error.keyword === 'type') return `must be ${typeWords(error.params.type)}`
  if (error.keyword === 'enum') return `must be one of ${(schema?.enum ?? []).map(String).join(', ')}`
  if (schema?.description !== undefined) return `must be ${schema.description}`
  return error.message ?? 'is not valid'
}

/**
 * Fastify's schemaErrorFormatter for the admin API: the first refusal, as a
 * code of the table with the field named the way a caller wrote it
 * (`body.percent`, `query.wait`). Fastify throws it before the handler runs,
 * so a refused call changes nothing.
 */
export function schemaError (problems: FastifySchemaValidationError[], dataVar: string): Error {
  const part = PARTS[dataVar] ?? dataVar
  const problem = problems[0]
  if (problem === undefined) return new errors.GK_ERR_BAD_REQUEST(`the ${part} does not fit the call`)
  const where = fieldName(part, problem.instancePath)
  const parent = (problem as { parentSchema?: Schemaish }).parentSchema
  if (problem.keyword === 'additionalProperties') {
    const known = Object.keys(parent?.properties ?? {})
    return new errors.GK_ERR_UNKNOWN_FIELD(where, String(problem.params.additionalProperty), known.length === 0 ? 'it takes none' : `it takes ${known.join(', ')}`)
  }
  if (problem.keyword === 'required') {
    const missing = String(problem.params.missingProperty)
    return new errors.GK_ERR_MISSING_FIELD(`${where}.${missing}`, parent?.properties?.[missing]?.description ?? 'see GET /v1/openapi.json')
  }
  return new errors.GK_ERR_BAD_FIELD(where, `${expectation(problem)}, got ${shown((problem as { data?: unknown }).data)}`)
}
