import pino from 'pino'
import { parseConfig } from '../../src/config/config.js'
import { startGatekeeper } from '../../src/server.js'
import { startSampleUpstream } from '../../src/sample/sample-upstream.js'
import { TEST_ENV, adminClient, rawConfig, tempDir, type Harness } from './harness.js'

interface Teardown { teardown (fn: () => unknown): void }

/**
 * The log levels a gate test runs at. Every public request goes through one
 * door (src/public/door.ts) whatever the level: at debug it also logs one
 * line per decision. Running the tests that pin the gate at both levels
 * checks that logging changes what is logged, never what is answered.
 */
export const GATE_PATHS = [
  { name: 'silent', logLevel: 'silent' },
  { name: 'debug', logLevel: 'debug' }
] as const

export type GatePath = typeof GATE_PATHS[number]

/** startHarness, with the logger at the given level; its lines are discarded unless GK_TEST_LOG asks for them. */
export async function startHarnessOn (t: Teardown, path: GatePath, extra: Record<string, unknown> = {}, dir = tempDir(t)): Promise<Harness> {
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const config = parseConfig(rawConfig(dir, upstream.url, { ...extra, logLevel: path.logLevel }), TEST_ENV)
  const logger = process.env.GK_TEST_LOG === undefined
    ? pino({ level: path.logLevel }, pino.destination({ dest: '/dev/null', sync: true }))
    : pino({ level: path.logLevel })
  const gk = await startGatekeeper(config, { logger })
  t.teardown(() => gk.close())
  return { gk, upstream, dir, config, admin: adminClient(gk.adminUrl) }
}
