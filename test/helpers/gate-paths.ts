import pino from 'pino'
import { parseConfig } from '../../src/config/config.js'
import { startGatekeeper } from '../../src/server.js'
import { startSampleUpstream } from '../../src/sample/sample-upstream.js'
import { TEST_ENV, adminClient, rawConfig, tempDir, type Harness } from './harness.js'

interface Teardown { teardown (fn: () => unknown): void }

/**
 * The two ways a plain public request is decided: the front door (before
 * Fastify routes it) and the Fastify gate hook, which takes every request
 * when decisions are logged (debug). A behaviour of the gate must hold on
 * both, so the tests that pin one run once for each.
 */
export const GATE_PATHS = [
  { name: 'front door', logLevel: 'silent' },
  { name: 'gate hook (debug)', logLevel: 'debug' }
] as const

export type GatePath = typeof GATE_PATHS[number]

/** startHarness, with the logger at the path's level; its lines are discarded unless GK_TEST_LOG asks for them. */
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
