import pino, { type Logger } from 'pino'
import { loadConfig } from '../../src/config/load.js'
import { startGatekeeper, type Gatekeeper } from '../../src/server.js'
import { startSampleUpstream, type SampleUpstream } from '../../src/sample/sample-upstream.js'
import { adminClient, rawConfig, tempDir, TEST_ENV, type AdminCall } from './harness.js'
import { writeConfig } from './process.js'

interface Teardown { teardown (fn: () => unknown): void }

export interface ReloadHarness {
  gk: Gatekeeper
  upstream: SampleUpstream
  dir: string
  /** the file the gatekeeper was started from */
  path: string
  /** the raw configuration written to it at start */
  raw: Record<string, unknown>
  /** writes the start configuration with `extra` over it to the file */
  rewrite (extra: Record<string, unknown>): void
  admin: AdminCall
}

/** A gatekeeper started from a configuration file (as `serve --config` does), which a reload reads again. */
export async function startFromFile (t: Teardown, extra: Record<string, unknown> = {}, logger: Logger = pino({ level: process.env.GK_TEST_LOG ?? 'silent' })): Promise<ReloadHarness> {
  const dir = tempDir(t)
  const upstream = await startSampleUpstream(0)
  t.teardown(() => upstream.close())
  const raw = rawConfig(dir, upstream.url, extra)
  const path = writeConfig(dir, raw)
  const config = await loadConfig(path, TEST_ENV)
  const gk = await startGatekeeper(config, { logger, configFile: { path, env: TEST_ENV } })
  t.teardown(() => gk.close())
  return {
    gk,
    upstream,
    dir,
    path,
    raw,
    rewrite: (more) => { writeConfig(dir, { ...raw, ...more }) },
    admin: adminClient(gk.adminUrl)
  }
}
