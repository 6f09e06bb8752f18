import t from 'tap'
import { withMode } from '../src/state/mode-changes.js'
import { decide, type RequestFacts } from '../src/gate/decide.js'
import { compileGateConfig, compileSnapshot } from '../src/gate/snapshot.js'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'
import { randomSource } from './helpers/random.js'

/*
 * 100 000 clients in memory, through the same transitions and the same
 * decision as the proxy: the window's seed and every percentage come from a
 * seeded source, so a failure replays exactly.
 */

const CLIENTS = 100_000
const T0 = Date.parse('2026-11-22T02:00:00Z')
const config = compileGateConfig([], [])

/** Half the clients are keyed by their address, half by a configured key header; none has a cookie yet. */
const clients: RequestFacts[] = Array.from({ length: CLIENTS }, (_, i) => ({
  method: 'GET',
  url: '/',
  clientIp: `100.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  bypassToken: undefined,
  stickyCookie: undefined,
  upgrade: false,
  stagedKey: i % 2 === 0 ? undefined : `api-key-${i}`
}))

/** Which clients pass: a bitmap over `clients`. */
function admitted (state: State, now: number): Uint8Array {
  const snapshot = compileSnapshot(state, config)
  const passed = new Uint8Array(CLIENTS)
  for (let i = 0; i < CLIENTS; i++) if (decide(snapshot, clients[i] as RequestFacts, now).pass) passed[i] = 1
  return passed
}

function count (passed: Uint8Array): number {
  let n = 0
  for (const bit of passed) n += bit
  return n
}

function dropped (before: Uint8Array, after: Uint8Array): number {
  let n = 0
  for (let i = 0; i < CLIENTS; i++) if (before[i] === 1 && after[i] === 0) n++
  return n
}

function differences (a: Uint8Array, b: Uint8Array): number {
  let n = 0
  for (let i = 0; i < CLIENTS; i++) if (a[i] !== b[i]) n++
  return n
}

/** A closed window whose seed comes from the seeded source, as if closed earlier. */
function closedWindow (random: () => number): State {
  const state = initialState('closed', 'Upgrading', new Date(T0))
  state.seed = `window-${Math.floor(random() * 2 ** 32).toString(36)}`
  return state
}

/** Rising percentages with two decimals: the smallest step, a few random ones, a one-hundredth step, and 100. */
function risingPercents (random: () => number): number[] {
  const percents = [0, 0.01]
  let hundredths = 1
  while (hundredths < 9000) {
    hundredths += 1 + Math.floor(random() * 2500)
    percents.push(Math.min(hundredths, 9999) / 100)
  }
  const last = percents[percents.length - 1] as number
  percents.push(Math.round(last * 100 + 1) / 100, 100)
  return percents
}

/** Four standard deviations of the admitted share (in points), for `n` clients at `percent`. */
function tolerance (percent: number, n: number): number {
  const q = percent / 100
  return 4 * Math.sqrt(q * (1 - q) / n) * 100
}

{
  const seed = 20261122
  t.test(`raising the staged percentage never turns away an admitted client (seed ${seed})`, async (t) => {
    const random = randomSource(seed)
    let state = closedWindow(random)
    let previous: Uint8Array = new Uint8Array(CLIENTS)
    let now = T0
    for (const percent of risingPercents(random)) {
      now += 60_000
      const next = withMode(state, { mode: 'staged', percent }, now)
      t.equal(next.seed, state.seed, `staging at ${percent} % keeps the window's seed`)
      state = { ...next, version: state.version + 1 }
      const passed = admitted(state, now)
      const share = count(passed) / CLIENTS * 100

      t.equal(dropped(previous, passed), 0, `at ${percent} % no client admitted before is turned away`)
      if (percent === 0 || percent === 100) {
        t.equal(share, percent, `at ${percent} % the share is exact`)
      } else {
        const within = tolerance(percent, CLIENTS)
        t.ok(Math.abs(share - percent) <= within, `at ${percent} % the share is ${share.toFixed(3)} %, within ±${within.toFixed(3)}`)
      }
      previous = passed
    }
  })
}

t.test('lowering the percentage turns away only clients above the new threshold, and raising again brings back the same ones', async (t) => {
  const random = randomSource(99)
  const window = closedWindow(random)
  const at40 = admitted(withMode(window, { mode: 'staged', percent: 40 }, T0), T0)
  const at15 = admitted(withMode(window, { mode: 'staged', percent: 15 }, T0), T0)
  t.equal(dropped(at15, at40), 0, 'everyone admitted at 15 % was admitted at 40 %')
  const back = admitted(withMode(withMode(window, { mode: 'staged', percent: 15 }, T0), { mode: 'staged', percent: 40 }, T0 + 1000), T0 + 1000)
  t.equal(differences(back, at40), 0, 'the same clients as before')
})

t.test('a close or read-only in between keeps the window and its buckets; reopening starts a new one', async (t) => {
  const random = randomSource(1234)
  const window = closedWindow(random)
  const staged = withMode(window, { mode: 'staged', percent: 30 }, T0)
  const before = admitted(staged, T0)
  const reclosed = withMode(withMode(staged, { mode: 'read-only' }, T0 + 1), { mode: 'closed' }, T0 + 2)
  const restaged = withMode(reclosed, { mode: 'staged', percent: 30 }, T0 + 3)
  t.equal(differences(admitted(restaged, T0 + 3), before), 0, 'the same 30 % after read-only and closed')

  const reopened = withMode(withMode(restaged, { mode: 'open' }, T0 + 4), { mode: 'staged', percent: 30 }, T0 + 5)
  t.not(reopened.seed, staged.seed, 'a new window has a new seed')
  const after = admitted(reopened, T0 + 5)
  t.ok(dropped(before, after) > 0, 'and reshuffles who gets in first')
})
