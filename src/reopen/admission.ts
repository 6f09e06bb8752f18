import { BUCKETS, bucketOf, thresholdOf } from '../gate/bucket.js'
import { canonicalIp } from '../gate/cidr.js'
import { decide, stickyIdOf, type Reason, type RequestFacts } from '../gate/decide.js'
import type { GateSnapshot } from '../gate/snapshot.js'
import { errors } from '../errors.js'
import { percentOf } from '../input/body.js'
import type { Mode } from '../state/types.js'

export interface AdmissionQuery {
  ip: string
  /** the configured staged.keyHeader's value, as a client would send it */
  key?: string
  /** judge as if staged at this percentage */
  percent?: number
  method: string
  path: string
}

export interface AdmissionAnswer {
  admitted: boolean
  reason: Reason
  explanation: string
  /** the mode and percent judged: the state's, or staged at the asked percent */
  mode: Mode
  percent: number
  client: {
    ip: string
    key: string | null
    /** what the client's bucket is keyed by: a request without the sticky cookie is keyed the same way */
    keyedBy: 'ip' | 'key'
    bucket: number
    /** the lowest staged percentage that admits this client */
    admittedFromPercent: number
  }
  version: number
}

const QUERY_KEYS = ['ip', 'key', 'percent', 'method', 'path']
const METHOD = /^[A-Z]{1,20}$/

type Query = Record<string, string | string[] | undefined>

function single (query: Query, key: string): string | undefined {
  const value = query[key]
  if (Array.isArray(value)) throw new errors.GK_ERR_BAD_REQUEST(`"${key}" is given more than once`)
  return value
}

/** `?ip=&key=&percent=&method=&path=`, each checked and named when refused. */
export function admissionQueryOf (query: Query, keyHeader: string | undefined): AdmissionQuery {
  for (const key of Object.keys(query)) {
    if (!QUERY_KEYS.includes(key)) throw new errors.GK_ERR_BAD_REQUEST(`unknown parameter "${key}" (expected: ${QUERY_KEYS.join(', ')})`)
  }
  const rawIp = single(query, 'ip')
  if (rawIp === undefined || rawIp === '') throw new errors.GK_ERR_BAD_REQUEST('"ip" is required: the client address to judge, e.g. ?ip=203.0.113.7')
  const ip = canonicalIp(rawIp)
  if (ip === null) throw new errors.GK_ERR_BAD_REQUEST(`"ip" is not an IP address: ${JSON.stringify(rawIp)}`)
  const key = single(query, 'key')
  if (key !== undefined && keyHeader === undefined) {
    throw new errors.GK_ERR_BAD_REQUEST('"key" needs staged.keyHeader in the configuration: without it every client is keyed by its IP')
  }
  const rawPercent = single(query, 'percent')
  let percent: number | undefined
  if (rawPercent !== undefined) {
    if (!/^\d{1,3}(\.\d{1,2})?$/.test(rawPercent)) throw new errors.GK_ERR_BAD_PERCENT(JSON.stringify(rawPercent))
    percent = percentOf(Number(rawPercent))
  }
  const method = (single(query, 'method') ?? 'GET').toUpperCase()
  if (!METHOD.test(method)) throw new errors.GK_ERR_BAD_REQUEST(`"method" is not an HTTP method: ${JSON.stringify(method)}`)
  const path = single(query, 'path') ?? '/'
  if (!path.startsWith('/')) throw new errors.GK_ERR_BAD_REQUEST(`"path" must start with "/", got ${JSON.stringify(path)}`)
  return { ip, ...(key === undefined || key === '' ? {} : { key }), ...(percent === undefined ? {} : { percent }), method, path }
}

function explain (reason: Reason, query: AdmissionQuery, bucket: number, percent: number): string {
  switch (reason) {
    case 'always-allow': return `${query.path} is in alwaysAllow.paths`
    case 'open': return 'the site is open'
    case 'allowlist': return `${query.ip} is in the allowlist`
    case 'bypass': return 'the request carries a valid bypass token'
    case 'read-only-safe': return `the site is read-only and ${query.method} is a safe method`
    case 'read-only-unsafe': return `the site is read-only and ${query.method} would change data`
    case 'staged-admitted': return `the client's bucket ${bucket} is below ${thresholdOf(percent)} (${percent} %)`
    case 'staged-waiting': return `the client's bucket ${bucket} is not below ${thresholdOf(percent)} (${percent} %): it is admitted from ${(bucket + 1) / 100} %`
    case 'closed': return 'the site is closed and this client is neither allowlisted nor carrying a bypass token'
  }
}

/**
 * Whether a client would be let in, and why: the same decide() the request
 * path runs, on facts built from the query (a request with no cookie and no
 * bypass token).
 */
export function admissionOf (snapshot: GateSnapshot, query: AdmissionQuery, now: number): AdmissionAnswer {
  const judged: GateSnapshot = query.percent === undefined
    ? snapshot
    : { ...snapshot, mode: 'staged', threshold: thresholdOf(query.percent) }
  const facts: RequestFacts = {
    method: query.method,
    url: query.path,
    clientIp: query.ip,
    bypassToken: undefined,
    stickyCookie: undefined,
    stagedKey: query.key,
    upgrade: false
  }
  const decision = decide(judged, facts, now)
  const bucket = bucketOf(snapshot.seed, stickyIdOf(snapshot, facts).id)
  const percent = query.percent ?? snapshot.state.percent
  return {
    admitted: decision.pass,
    reason: decision.reason,
    explanation: explain(decision.reason, query, bucket, percent),
    mode: judged.mode,
    percent: judged.mode === 'staged' ? percent : snapshot.state.percent,
    client: {
      ip: query.ip,
      key: query.key ?? null,
      keyedBy: query.key === undefined ? 'ip' : 'key',
      bucket,
      admittedFromPercent: Math.min(100, (bucket + 1) / (BUCKETS / 100))
    },
    version: snapshot.version
  }
}
