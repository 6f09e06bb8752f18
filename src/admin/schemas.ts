/**
 * Building blocks of the admin API's JSON schemas. Each route declares its
 * body, querystring and params with these (every object refuses unknown
 * fields) and its answers; Fastify validates the input before the handler
 * runs (src/admin/validation.ts words the refusals) and GET /v1/openapi.json
 * documents the same schemas. The answers are documented, not enforced:
 * they are still written with JSON.stringify (see admin-app.ts).
 */

import type { FastifySchema } from 'fastify'

export type Schema = Record<string, unknown>

/** A route's schema: Fastify's parts, plus `summary` and `x-…` notes for the OpenAPI document. */
export type RouteSchema = FastifySchema & Schema

/** An object that refuses any field it does not list. */
export function object (properties: Record<string, Schema>, required: readonly string[] = [], description?: string): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length === 0 ? {} : { required: [...required] }),
    ...(description === undefined ? {} : { description })
  }
}

/** Free text, at most `max` characters. */
export function text (max: number, about?: string): Schema {
  return { type: 'string', maxLength: max, description: `text of at most ${max} characters${about === undefined ? '' : ` (${about})`}` }
}

/** An ISO 8601 time with a zone; whether it is in the future is checked by the route. */
export function time (about: string): Schema {
  return { type: 'string', description: `an ISO 8601 time with a zone, such as 2026-11-22T06:00:00Z (${about})` }
}

/** A duration in the one grammar of src/state/duration.ts: seconds, or text such as "90m", "1h30m", "PT8H". */
export function duration (range: string): Schema {
  return { type: ['number', 'string'], description: `a duration, ${range}: seconds, or text such as "90m", "1h30m" or "PT8H"` }
}

/** A call that takes no body, or no query. */
export const NOTHING = object({})

/** Every error answer: Fastify's four fields, and what a wait that ran out adds (src/admin/confirm.ts). */
export const ERROR_REPLY: Schema = {
  type: 'object',
  additionalProperties: false,
  required: ['statusCode', 'code', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'a code of docs/reference/errors.md, e.g. GK_ERR_BAD_FIELD' },
    error: { type: 'string', description: 'the status\'s reason phrase' },
    message: { type: 'string', description: 'what is wrong, naming the field' },
    wait: { type: 'string', description: 'GK_ERR_TIMEOUT: the wait asked for' },
    version: { type: 'integer', description: 'GK_ERR_TIMEOUT: the version of the change, which stands' },
    laggards: { type: 'array', items: { type: 'object' }, description: 'GK_ERR_TIMEOUT: the instances not done, each with `silent`' },
    instances: { type: 'array', items: { type: 'object' }, description: 'GK_ERR_TIMEOUT: the live instances' },
    silent: { type: 'array', items: { type: 'object' }, description: 'GK_ERR_TIMEOUT: the instances that stopped reporting' }
  }
}

/** The error answers every call may give. */
export const ERRORS = { '4XX': ERROR_REPLY, '5XX': ERROR_REPLY } as const

/** The state as the API shows it (src/admin/context.ts publicState), with a change's confirmation when it waited. */
export const STATE_REPLY: Schema = {
  type: 'object',
  description: 'the state, without token hashes or the bucket seed; `confirmation` when the call asked ?wait=',
  properties: {
    version: { type: 'integer' },
    mode: { type: 'string', enum: ['open', 'closed', 'staged', 'read-only'] },
    percent: { type: 'number' },
    reason: { type: 'string' },
    window: { type: 'object' },
    retryAfter: { type: 'integer' },
    allowlist: { type: 'array', items: { type: 'object' } },
    tokens: { type: 'array', items: { type: 'object' } },
    ramp: { type: 'object' },
    schedule: { type: 'object' },
    flags: { type: 'array', items: { type: 'object' }, description: 'what the operator should look at, such as a dependency closed by its health gate; absent when none' },
    updatedAt: { type: 'string' },
    updatedBy: { type: 'string' },
    confirmation: { type: 'object' }
  }
}

/** `?wait=applied|drained&timeout=10`, which every change call takes. */
export const CHANGE_QUERY = object({
  wait: { type: 'string', enum: ['applied', 'drained'], description: 'answer once every instance has applied the change (and, for drained, has no public request or websocket open)' },
  timeout: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'whole seconds from 1 to 3600 (default 10)' }
})

interface ChangeSchema { summary: string, body?: Schema, params?: Schema, created?: Schema, reply?: Schema }

/**
 * The schema of a change call: the wait query, its body (none by default),
 * its params, and its answer (the new state, or 201 with what was created).
 */
export function changeSchema ({ summary, body, params, created, reply }: ChangeSchema): RouteSchema {
  return {
    summary,
    querystring: CHANGE_QUERY,
    ...(body === undefined ? {} : { body }),
    ...(params === undefined ? {} : { params }),
    response: created === undefined ? { 200: reply ?? STATE_REPLY, ...ERRORS } : { 201: created, ...ERRORS }
  }
}

/** The schema of a read: no query unless given, its answer. */
export function readSchema (summary: string, reply: Schema, extra: Schema = {}): RouteSchema {
  return { summary, querystring: NOTHING, ...extra, response: { 200: reply, ...ERRORS } }
}
