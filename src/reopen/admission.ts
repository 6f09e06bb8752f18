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

/** `?ip=&key=&percent=&method=&path=` as its schema let it through (src/admin/schemas-reopen.ts): single strings, no unknown parameter. */
export interface AdmissionParams { ip: string, key?: string, percent?: string, method?: string, path?: string }

/** What the schema cannot say: an IP that parses, a key only with staged.keyHeader, a percent in range. */
export function admissionQueryOf (query: AdmissionParams, keyHeader: string | undefined): AdmissionQuery {
  const ip = canonicalIp(query.ip)
  if (ip === null) throw new errors.GK_ERR_BAD_FIELD('query.ip', `must be an IP address, got ${JSON.stringify(query.ip)}`)
  const key = query.key
  if (key !== undefined && keyHeader === undefined) {
    throw new errors.GK_ERR_BAD_COMBINATION('query.key needs staged.keyHeader in the configuration: without it every client is keyed by its IP')
  }
  const percent = query.percent === undefined ? undefined : percentOf(Number(query.percent))
  const method = (query.method ?? 'GET').toUpperCase()
  const path = query.path ?? '/'
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
