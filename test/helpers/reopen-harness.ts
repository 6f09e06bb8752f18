import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfig } from '../../src/config/config.js'
import type { Lease } from '../../src/state/lease.js'
import { startGatekeeper } from '../../src/server.js'
import { startSampleUpstream } from '../../src/sample/sample-upstream.js'
import type { State } from '../../src/state/types.js'
import { TEST_ENV, adminClient, rawConfig, tempDir, type Harness } from './harness.js'
import { createManualClock, type ManualClock } from './manual-clock.js'

interface Teardown { teardown (fn: () => unknown): void }

export interface ReopenHarness extends Harness {
  clock: ManualClock
  /** the state this instance serves */
  state (): State
  /** the stored state file, byte for byte */
  stateBytes (): Buffer
  /** resolves once the served state satisfies `predicate`; fails after `timeoutMs` */
  waitForState (predicate: (state: State) => boolean, what: string, timeoutMs?: number): Promise<State>
}

export interface ReopenHarnessOptions {
  clock?: ManualClock
  lease?: Lease
  env?: NodeJS.ProcessEnv
  dir?: string
  /** an upstream URL of the test's own; the sample upstream otherwise */
  upstreamUrl?: string
}

/** Polls `check` until it holds, at most `timeoutMs`: every wait in these tests is bounded. */
export async function waitUntil (check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Lets pending I/O and timers of this process run: a change that is not due must still not have happened after it. */
export async function settle (rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 2))
}

/** The harness of harness.ts, with a clock the test drives (and optionally a lease and an environment). */
export async function startReopenHarness (t: Teardown, extra: Record<string, unknown> = {}, options: ReopenHarnessOptions = {}): Promise<ReopenHarness> {
  const dir = options.dir ?? tempDir(t)
  let upstreamUrl = options.upstreamUrl
  const sample = upstreamUrl === undefined ? await startSampleUpstream(0) : null
  if (sample !== null) {
    t.teardown(() => sample.close())
    upstreamUrl = sample.url
  }
  const clock = options.clock ?? createManualClock()
  const config = parseConfig(rawConfig(dir, upstreamUrl as string, extra), options.env ?? TEST_ENV)
  const gk = await startGatekeeper(config, { logger: pino({ level: process.env.GK_TEST_LOG ?? 'silent' }), clock, ...(options.lease === undefined ? {} : { lease: options.lease }) })
  t.teardown(() => gk.close())
  const admin = adminClient(gk.adminUrl)
  const state = (): State => gk.runtime.current().state
  return {
    gk,
    upstream: sample ?? { server: null as never, url: upstreamUrl as string, port: Number(new URL(upstreamUrl as string).port), close: async () => {} },
    dir,
    config,
    admin,
    clock,
    state,
    stateBytes: () => readFileSync(join(dir, 'state.json')),
    async waitForState (predicate, what, timeoutMs = 20_000) {
      await waitUntil(() => predicate(state()), what, timeoutMs)
      return state()
    }
  }
}
