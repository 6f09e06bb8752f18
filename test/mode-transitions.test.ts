import t, { type Test } from 'tap'
import { withMode, type ModeChange } from '../src/state/mode-changes.js'
import { DEFAULT_THRESHOLDS } from '../src/reopen/thresholds.js'
import { initialState } from '../src/state/initial.js'
import { MODES, type Mode, type State } from '../src/state/types.js'

/*
 * withMode, the one transition every change of mode goes through (the API,
 * the CLI, ramps and schedules): from every mode to every mode, what it
 * keeps and what it starts afresh.
 */

const T0 = Date.parse('2026-11-22T02:00:00Z')
const NOW = T0 + 3600_000
const iso = (ms: number): string => new Date(ms).toISOString()

/** A state in `mode` with everything a change of mode must leave alone filled in. */
function stateIn (mode: Mode): State {
  const state: State = {
    ...initialState(mode, mode === 'open' ? '' : 'Upgrading to 23.1', new Date(T0)),
    version: 41,
    percent: mode === 'open' ? 100 : mode === 'staged' ? 12.5 : 0,
    seed: 'seed-of-the-window',
    window: mode === 'open' ? {} : { start: iso(T0), end: iso(T0 + 7200_000) },
    allowlist: [{ cidr: '10.0.0.0/8', label: 'ops', addedBy: 'ops', addedAt: iso(T0) }],
    tokens: [{ name: 'tester', sha256: 'ab'.repeat(32), expiresAt: iso(T0 + 86400_000), createdBy: 'ops', createdAt: iso(T0) }],
    ramp: {
      steps: [{ percent: 5, holdSeconds: 60 }],
      index: 0,
      startedAt: iso(T0),
      startedBy: 'ops',
      stepStartedAt: iso(T0),
      paused: false,
      watchFrom: iso(T0),
      abortOn: DEFAULT_THRESHOLDS,
      ended: { at: iso(T0 + 60_000), outcome: 'aborted', reason: 'login broken', by: 'ops' }
    },
    schedule: { closeAt: iso(T0), reason: 'planned', then: 'hold', phase: 'closed', createdBy: 'ops', createdAt: iso(T0 - 1000) },
    updatedAt: iso(T0),
    updatedBy: 'ops'
  }
  if (mode !== 'open') state.retryAfter = 600
  return state
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

/** What no change of mode touches: the version and the audit fields are the store's, the lists have their own calls. */
function assertUntouched (t: Test, before: State, after: State): void {
  t.equal(after.version, before.version, 'the version is the store\'s to bump')
  t.equal(after.updatedAt, before.updatedAt, 'updatedAt is the store\'s to set')
  t.equal(after.updatedBy, before.updatedBy, 'updatedBy is the store\'s to set')
  t.same(after.allowlist, before.allowlist, 'the allowlist is kept')
  t.same(after.tokens, before.tokens, 'the tokens are kept')
  t.same(after.ramp, before.ramp, 'the ramp is kept')
  t.same(after.schedule, before.schedule, 'the schedule is kept')
}

for (const from of MODES) {
  for (const to of MODES) {
    t.test(`${from} → ${to}`, async (t) => {
      const before = deepFreeze(stateIn(from))
      const change: ModeChange = to === 'staged' ? { mode: to, percent: 30 } : { mode: to }
      const after = withMode(before, change, NOW)
      t.equal(after.mode, to)
      assertUntouched(t, before, after)

      if (to === 'open') {
        t.equal(after.percent, 100, 'open admits everyone')
        t.equal(after.reason, '', 'open has no reason to show')
        t.same(after.window, {}, 'open has no window')
        t.notOk('retryAfter' in after, 'open advertises no Retry-After')
        t.equal(after.seed, before.seed, 'the seed waits for the next window')
        return
      }
      t.equal(after.percent, to === 'staged' ? 30 : 0, 'the percentage is the staged one, else 0')
      t.equal(after.retryAfter, before.retryAfter, 'a Retry-After given earlier is kept')
      if (from === 'open') {
        t.same(after.window, { start: iso(NOW) }, 'leaving open starts a window now')
        t.not(after.seed, before.seed, 'with a new seed: each window reshuffles who gets in first')
        t.equal(after.reason, '', 'and no reason until one is given')
      } else {
        t.same(after.window, before.window, 'moving within a window keeps it')
        t.equal(after.seed, before.seed, 'and its seed: the buckets stay')
        t.equal(after.reason, before.reason, 'and its reason')
      }
    })
  }
}

t.test('a change carries its reason, its expected end and its Retry-After', async (t) => {
  for (const from of MODES) {
    const before = deepFreeze(stateIn(from))
    const after = withMode(before, { mode: 'closed', reason: 'Database migration', until: iso(NOW + 1800_000), retryAfter: 120 }, NOW)
    t.equal(after.reason, 'Database migration', `from ${from}: the reason`)
    t.equal(after.window.end, iso(NOW + 1800_000), `from ${from}: the expected end`)
    t.equal(after.window.start, from === 'open' ? iso(NOW) : before.window.start, `from ${from}: the window's start`)
    t.equal(after.retryAfter, 120, `from ${from}: the Retry-After`)
  }
})

t.test('open ignores what only a closed window means', async (t) => {
  const after = withMode(deepFreeze(stateIn('closed')), { mode: 'open', reason: 'done', until: iso(NOW), retryAfter: 5, percent: 40 }, NOW)
  t.equal(after.reason, '')
  t.same(after.window, {})
  t.equal(after.percent, 100)
  t.notOk('retryAfter' in after)
})

t.test('staged without a percentage admits nobody; other modes ignore one', async (t) => {
  t.equal(withMode(stateIn('closed'), { mode: 'staged' }, NOW).percent, 0)
  t.equal(withMode(stateIn('staged'), { mode: 'staged' }, NOW).percent, 0, 'not the percentage before')
  t.equal(withMode(stateIn('closed'), { mode: 'read-only', percent: 50 }, NOW).percent, 0)
  t.equal(withMode(stateIn('staged'), { mode: 'closed', percent: 50 }, NOW).percent, 0)
})

t.test('a window\'s end, once set, stays until another is given or the site opens', async (t) => {
  const closed = withMode(stateIn('open'), { mode: 'closed', until: iso(NOW + 600_000) }, NOW)
  const staged = withMode(closed, { mode: 'staged', percent: 5 }, NOW + 1000)
  t.equal(staged.window.end, iso(NOW + 600_000))
  const moved = withMode(staged, { mode: 'read-only', until: iso(NOW + 900_000) }, NOW + 2000)
  t.same(moved.window, { start: iso(NOW), end: iso(NOW + 900_000) })
  t.same(closed.window, { start: iso(NOW), end: iso(NOW + 600_000) }, 'the state before is not changed')
})
