import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { State } from '../../src/state/types.js'
import { redisStoreConfig, type RedisStoreConfig } from '../../src/store/redis-config.js'
import { createRedisStore, type StoreLogger } from '../../src/store/redis-store.js'
import { withOutagePolicy, type OnStoreFailure, type PolicedStore } from '../../src/feed/outage-policy.js'
import type { ChangeContext } from '../../src/state/types.js'
import type { RedisServer } from './redis-server.js'

interface Teardown {
  teardown (fn: () => unknown): void
}

export async function tempDir (t: Teardown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gatekeeper-store-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** Short intervals so that outages and resyncs play out in a fraction of a second. */
export function storeConfig (server: RedisServer, localCopyPath: string, fields: Partial<RedisStoreConfig> = {}): RedisStoreConfig {
  return redisStoreConfig({ url: server.url, localCopyPath, resyncIntervalMs: 100, commandTimeoutMs: 400, ...fields })
}

/** The Redis store under the outage policy, as the state feed holds it (both log to `logger`). */
export function policedRedisStore (config: RedisStoreConfig, logger: StoreLogger, onStoreFailure: OnStoreFailure): PolicedStore {
  return withOutagePolicy(createRedisStore(config, logger), { onStoreFailure, localCopyPath: config.localCopyPath }, logger)
}

export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'debug'
  fields: Record<string, unknown>
  message: string
}

export function recordingLogger (): { logger: StoreLogger, lines: LogLine[], count (level: LogLine['level'], text: string): number } {
  const lines: LogLine[] = []
  const at = (level: LogLine['level']) => (fields: Record<string, unknown>, message: string) => { lines.push({ level, fields, message }) }
  return {
    logger: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') },
    lines,
    count: (level, text) => lines.filter((line) => line.level === level && line.message.includes(text)).length
  }
}

/** Every state a store emits, in order, and a way to wait for one. */
export function recordChanges (store: Pick<PolicedStore, 'subscribe'>): { states: State[], seen (what: string, match: (state: State) => boolean, timeoutMs?: number): Promise<State> } {
  const states: State[] = []
  store.subscribe((state) => { states.push(state) })
  return {
    states,
    async seen (what, match, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = states.find(match)
        if (found !== undefined) return found
        if (Date.now() > deadline) throw new Error(`no change emitted matching: ${what}; emitted ${JSON.stringify(states.map((s) => [s.version, s.mode]))}`)
        await sleep(10)
      }
    }
  }
}

export async function eventually (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await sleep(10)
  }
}

export function by (actor: string, action = 'test'): ChangeContext {
  return { actor, ip: '127.0.0.1', action }
}
