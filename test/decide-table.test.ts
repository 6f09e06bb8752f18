import t from 'tap'
import { BUCKETS, bucketOf, clientIdOf, stickyCookieValue } from '../src/gate/bucket.js'
import { decide, type Decision, type Reason, type RequestFacts } from '../src/gate/decide.js'
import { compileGateConfig, compileSnapshot, type GateSnapshot } from '../src/gate/snapshot.js'
import { sha256Hex } from '../src/gate/token.js'
import { initialState } from '../src/state/initial.js'
import type { Mode, State } from '../src/state/types.js'

/*
 * decide() over every mode, every method and every kind of fact a request
 * can carry, against a table written out by hand: a change to the order of
 * the gate, or to any one rule, shows up as a row that no longer matches.
 */

const NOW = Date.parse('2026-11-22T03:00:00Z')
const iso = (ms: number): string => new Date(ms).toISOString()
const SEED = 'decide-table-window'

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS']
const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'PROPFIND']

/** The staged visitor: the first id whose bucket leaves room on both sides for the threshold. */
const VISITOR_ID = ((): string => {
  for (let i = 0; ; i++) {
    const id = clientIdOf(`visitor-${i}`)
    const bucket = bucketOf(SEED, id)
    if (bucket > 0 && bucket < BUCKETS - 1) return id
  }
})()
const VISITOR_BUCKET = bucketOf(SEED, VISITOR_ID)
const VISITOR_COOKIE = stickyCookieValue(SEED, VISITOR_ID)

const token = (fill: string): string => 'gkb_' + fill.repeat(43)
const LIVE_TOKEN = token('a')
const EXPIRED_TOKEN = token('b')
const EXPIRING_NOW_TOKEN = token('c')
const REVOKED_TOKEN = token('d')

function baseState (): State {
  const state = initialState('closed', 'Upgrading', new Date(NOW - 3600_000))
  state.seed = SEED
  state.allowlist = [
    { cidr: '203.0.113.9/32', label: 'dba', expiresAt: iso(NOW + 3600_000), addedBy: 'ops', addedAt: iso(NOW - 60_000) },
    { cidr: '2001:db8:1::/48', label: 'v6 testers', addedBy: 'ops', addedAt: iso(NOW - 60_000) },
    { cidr: '203.0.113.66/32', label: 'gone', expiresAt: iso(NOW - 1), addedBy: 'ops', addedAt: iso(NOW - 60_000) },
    { cidr: '203.0.113.67/32', label: 'ends now', expiresAt: iso(NOW), addedBy: 'ops', addedAt: iso(NOW - 60_000) }
  ]
  const made = { createdBy: 'ops', createdAt: iso(NOW - 60_000) }
  state.tokens = [
    { name: 'tester', sha256: sha256Hex(LIVE_TOKEN), expiresAt: iso(NOW + 3600_000), ...made },
    { name: 'yesterday', sha256: sha256Hex(EXPIRED_TOKEN), expiresAt: iso(NOW - 1), ...made },
    { name: 'ends-now', sha256: sha256Hex(EXPIRING_NOW_TOKEN), expiresAt: iso(NOW), ...made }
  ]
  return state
}

const config = compileGateConfig(['10.20.0.0/16'], ['/healthz', '/assets/*'])

type ModeCase = 'open' | 'closed' | 'read-only' | 'staged 0 %' | 'staged, bucket below' | 'staged, bucket at' | 'staged, bucket above' | 'staged 100 %'

const MODE_CASES: Record<ModeCase, { mode: Mode, threshold: number }> = {
  open: { mode: 'open', threshold: 0 },
  closed: { mode: 'closed', threshold: 0 },
  'read-only': { mode: 'read-only', threshold: 0 },
  'staged 0 %': { mode: 'staged', threshold: 0 },
  'staged, bucket below': { mode: 'staged', threshold: VISITOR_BUCKET + 1 },
  'staged, bucket at': { mode: 'staged', threshold: VISITOR_BUCKET },
  'staged, bucket above': { mode: 'staged', threshold: VISITOR_BUCKET - 1 },
  'staged 100 %': { mode: 'staged', threshold: BUCKETS }
}

function snapshotFor (modeCase: ModeCase): GateSnapshot {
  const { mode, threshold } = MODE_CASES[modeCase]
  const percent = mode === 'open' ? 100 : mode === 'staged' ? threshold / 100 : 0
  return compileSnapshot({ ...baseState(), mode, percent }, config)
}

/** What a row expects: `pass <reason>` or `hold <reason>`, for safe and for unsafe methods. */
type Outcome = `${'pass' | 'hold'} ${Reason}`
type Row = Record<ModeCase, readonly [safe: Outcome, unsafe: Outcome]>

/** Anyone the gate does not know: the mode and, when staged, the bucket decide. */
const VISITOR: Row = {
  open: ['pass open', 'pass open'],
  closed: ['hold closed', 'hold closed'],
  'read-only': ['pass read-only-safe', 'hold read-only-unsafe'],
  'staged 0 %': ['hold staged-waiting', 'hold staged-waiting'],
  'staged, bucket below': ['pass staged-admitted', 'pass staged-admitted'],
  'staged, bucket at': ['hold staged-waiting', 'hold staged-waiting'],
  'staged, bucket above': ['hold staged-waiting', 'hold staged-waiting'],
  'staged 100 %': ['pass staged-admitted', 'pass staged-admitted']
}

/** A tester by address: passes every mode; `open` is decided first. */
const ALLOWLISTED: Row = {
  open: ['pass open', 'pass open'],
  closed: ['pass allowlist', 'pass allowlist'],
  'read-only': ['pass allowlist', 'pass allowlist'],
  'staged 0 %': ['pass allowlist', 'pass allowlist'],
  'staged, bucket below': ['pass allowlist', 'pass allowlist'],
  'staged, bucket at': ['pass allowlist', 'pass allowlist'],
  'staged, bucket above': ['pass allowlist', 'pass allowlist'],
  'staged 100 %': ['pass allowlist', 'pass allowlist']
}

/** A tester by token: the same, under its own reason. */
const BYPASS: Row = {
  open: ['pass open', 'pass open'],
  closed: ['pass bypass', 'pass bypass'],
  'read-only': ['pass bypass', 'pass bypass'],
  'staged 0 %': ['pass bypass', 'pass bypass'],
  'staged, bucket below': ['pass bypass', 'pass bypass'],
  'staged, bucket at': ['pass bypass', 'pass bypass'],
  'staged, bucket above': ['pass bypass', 'pass bypass'],
  'staged 100 %': ['pass bypass', 'pass bypass']
}

/** An always-allowed path: decided before the mode, so even `open` says so. */
const ALWAYS: Row = {
  open: ['pass always-allow', 'pass always-allow'],
  closed: ['pass always-allow', 'pass always-allow'],
  'read-only': ['pass always-allow', 'pass always-allow'],
  'staged 0 %': ['pass always-allow', 'pass always-allow'],
  'staged, bucket below': ['pass always-allow', 'pass always-allow'],
  'staged, bucket at': ['pass always-allow', 'pass always-allow'],
  'staged, bucket above': ['pass always-allow', 'pass always-allow'],
  'staged 100 %': ['pass always-allow', 'pass always-allow']
}

/** Every request carries the visitor's sticky cookie, so all of them share one staged bucket. */
const visitor: Omit<RequestFacts, 'method'> = {
  url: '/account',
  clientIp: '198.51.100.7',
  bypassToken: undefined,
  stickyCookie: VISITOR_COOKIE,
  stagedKey: undefined,
  upgrade: false
}

const FACTS: Array<[kind: string, facts: Omit<RequestFacts, 'method'>, row: Row]> = [
  ['a visitor', visitor, VISITOR],
  ['an always-allowed path', { ...visitor, url: '/healthz' }, ALWAYS],
  ['an always-allowed path with a query', { ...visitor, url: '/healthz?full=1' }, ALWAYS],
  ['a path below an always-allowed prefix', { ...visitor, url: '/assets/site.css' }, ALWAYS],
  ['a path that climbs out of an always-allowed one', { ...visitor, url: '/assets/../account' }, VISITOR],
  ['a path that only starts like an always-allowed one', { ...visitor, url: '/healthz-admin' }, VISITOR],
  ['an address in the static allowlist', { ...visitor, clientIp: '10.20.1.2' }, ALLOWLISTED],
  ['an address in a live dynamic entry', { ...visitor, clientIp: '203.0.113.9' }, ALLOWLISTED],
  ['an IPv6 address in a dynamic entry', { ...visitor, clientIp: '2001:db8:1::5' }, ALLOWLISTED],
  ['an address whose entry has expired', { ...visitor, clientIp: '203.0.113.66' }, VISITOR],
  ['an address whose entry expires this instant', { ...visitor, clientIp: '203.0.113.67' }, VISITOR],
  ['an address next to an allowlisted one', { ...visitor, clientIp: '203.0.113.10' }, VISITOR],
  ['a valid bypass token', { ...visitor, bypassToken: LIVE_TOKEN }, BYPASS],
  ['an expired bypass token', { ...visitor, bypassToken: EXPIRED_TOKEN }, VISITOR],
  ['a bypass token expiring this instant', { ...visitor, bypassToken: EXPIRING_NOW_TOKEN }, VISITOR],
  ['a revoked bypass token', { ...visitor, bypassToken: REVOKED_TOKEN }, VISITOR],
  ['a malformed bypass token', { ...visitor, bypassToken: 'gkb_short' }, VISITOR],
  ['an empty bypass token', { ...visitor, bypassToken: '' }, VISITOR],
  ['an allowlisted address with a valid token', { ...visitor, clientIp: '10.20.1.2', bypassToken: LIVE_TOKEN }, ALLOWLISTED]
]

function outcomeOf (decision: Decision): Outcome {
  return `${decision.pass ? 'pass' : 'hold'} ${decision.reason}`
}

t.test('the staged thresholds sit on the visitor\'s bucket as the table says', async (t) => {
  t.ok(VISITOR_BUCKET > 0 && VISITOR_BUCKET < BUCKETS - 1, `bucket ${VISITOR_BUCKET}`)
  for (const [name, { mode, threshold }] of Object.entries(MODE_CASES)) {
    const snapshot = snapshotFor(name as ModeCase)
    t.equal(snapshot.mode, mode, name)
    if (mode === 'staged') t.equal(snapshot.threshold, threshold, `${name}: the percentage maps onto the threshold exactly`)
  }
})

for (const modeCase of Object.keys(MODE_CASES) as ModeCase[]) {
  t.test(`in ${modeCase}`, async (t) => {
    const snapshot = snapshotFor(modeCase)
    for (const [kind, facts, row] of FACTS) {
      const [safe, unsafe] = row[modeCase]
      for (const method of [...SAFE_METHODS, ...UNSAFE_METHODS]) {
        const expected = SAFE_METHODS.includes(method) ? safe : unsafe
        const decision = decide(snapshot, { ...facts, method }, NOW)
        t.equal(outcomeOf(decision), expected, `${kind}, ${method}`)
        if (decision.reason === 'staged-admitted' || decision.reason === 'staged-waiting') {
          t.equal(decision.stickyId, VISITOR_ID, `${kind}, ${method}: keyed by its cookie`)
          t.equal(decision.setSticky, false, `${kind}, ${method}: a valid cookie is not set again`)
        } else {
          t.equal(decision.stickyId, undefined, `${kind}, ${method}: no staged id outside the staged decision`)
        }
      }
    }
  })
}

t.test('every decision but a staged one is a shared frozen value', async (t) => {
  for (const modeCase of ['open', 'closed', 'read-only'] as const) {
    const decision = decide(snapshotFor(modeCase), { ...visitor, method: 'POST' }, NOW)
    t.ok(Object.isFrozen(decision), modeCase)
  }
})

t.test('the staged id: a valid cookie, else the key header, else the address', async (t) => {
  const snapshot = snapshotFor('staged, bucket below')
  const bare = { ...visitor, method: 'GET', stickyCookie: undefined }

  const byIp = decide(snapshot, bare, NOW)
  t.equal(byIp.stickyId, clientIdOf('ip:198.51.100.7'), 'a cookie-less client is keyed by its address')
  t.equal(byIp.setSticky, true, 'and is given the cookie')

  const byKey = decide(snapshot, { ...bare, stagedKey: 'api-key-1' }, NOW)
  t.equal(byKey.stickyId, clientIdOf('key:api-key-1'), 'the configured key header wins over the address')
  t.equal(byKey.setSticky, true)
  t.equal(decide(snapshot, { ...bare, stagedKey: '' }, NOW).stickyId, byIp.stickyId, 'an empty key header counts as none')

  const otherWindow = stickyCookieValue('another-window', VISITOR_ID)
  const stale = decide(snapshot, { ...bare, stickyCookie: otherWindow }, NOW)
  t.equal(stale.stickyId, byIp.stickyId, 'a cookie signed for another window is ignored')
  t.equal(stale.setSticky, true, 'and replaced')

  const forged = VISITOR_COOKIE.slice(0, 23) + (VISITOR_COOKIE[23] === 'A' ? 'B' : 'A') + VISITOR_COOKIE.slice(24)
  t.equal(decide(snapshot, { ...bare, stickyCookie: forged }, NOW).stickyId, byIp.stickyId, 'a cookie with a forged signature is ignored')
  t.equal(decide(snapshot, { ...bare, stickyCookie: 'nonsense' }, NOW).stickyId, byIp.stickyId, 'a malformed cookie is ignored')

  const kept = decide(snapshot, { ...bare, stagedKey: 'api-key-1', stickyCookie: VISITOR_COOKIE }, NOW)
  t.equal(kept.stickyId, VISITOR_ID, 'a valid cookie keeps its client in its bucket whatever its key or address now')
  t.equal(kept.setSticky, false)
})

t.test('expiry is judged at the time given, not the clock', async (t) => {
  const snapshot = snapshotFor('closed')
  t.equal(outcomeOf(decide(snapshot, { ...visitor, method: 'GET', clientIp: '203.0.113.66' }, NOW - 2)), 'pass allowlist', 'the expired entry, just before it expired')
  t.equal(outcomeOf(decide(snapshot, { ...visitor, method: 'GET', bypassToken: EXPIRED_TOKEN }, NOW - 2)), 'pass bypass', 'the expired token, just before it expired')
  t.equal(outcomeOf(decide(snapshot, { ...visitor, method: 'GET', clientIp: '203.0.113.9' }, NOW + 3600_000)), 'hold closed', 'the live entry, once its time is up')
  t.equal(outcomeOf(decide(snapshot, { ...visitor, method: 'GET', bypassToken: LIVE_TOKEN }, NOW + 3600_000)), 'hold closed', 'the live token, once its time is up')
})
