import type { Config } from '../config/config.js'
import { loadConfig } from '../config/load.js'
import { errors, isGatekeeperError, type GatekeeperError } from '../errors.js'
import type { Store } from '../store/store.js'
import type { ConfigHolder } from './config-holder.js'
import { diffConfig } from './diff.js'
import type { ReloadPart } from './parts.js'

/** Who asked for a reload: a signal (SIGHUP) or an admin call (the API, the CLI). */
export interface ReloadBy {
  actor: string
  ip: string
  via: 'signal' | 'api'
}

export type ReloadOutcome =
  | { ok: true, version: number, changed: string[] }
  | { ok: false, error: GatekeeperError, restartOnly: string[] }

interface Log {
  info (fields: Record<string, unknown>, message: string): void
  warn (fields: Record<string, unknown>, message: string): void
  error (fields: Record<string, unknown>, message: string): void
}

export interface ReloaderOptions {
  /** the file the process was started with; undefined: it was handed a parsed configuration, and cannot reload */
  path: string | undefined
  /** where the file's secrets (tokenEnv, …) are read from: the process's environment */
  env?: NodeJS.ProcessEnv
  holder: ConfigHolder
  parts: readonly ReloadPart[]
  store: Pick<Store, 'note'>
  log: Log
  load?: (path: string, env: NodeJS.ProcessEnv) => Promise<Config>
}

function refusal (why: string): GatekeeperError {
  return new errors.GK_ERR_RELOAD_REFUSED(why)
}

/**
 * Reads the configuration file again and applies it whole, or not at all.
 * The file is read and checked entirely first; a setting that cannot change
 * live (the listeners, the store, the workers, the firewall…) refuses the
 * reload, naming it, and so does a part's check (a TLS certificate that
 * cannot serve). Only then is the reload audited, and the parts apply
 * it. A refused reload changes nothing and is audited too. Reloads run one
 * at a time.
 */
export function createReloader (options: ReloaderOptions) {
  const { path, holder, parts, store, log } = options
  const env = options.env ?? process.env
  const load = options.load ?? (async (file: string, from: NodeJS.ProcessEnv) => await loadConfig(file, from))
  let queue: Promise<unknown> = Promise.resolve()

  async function refuse (by: ReloadBy, error: GatekeeperError, restartOnly: string[]): Promise<ReloadOutcome> {
    log.warn({ via: by.via, actor: by.actor, error: error.message }, 'reload refused')
    await store.note({ actor: by.actor, ip: by.ip, action: 'reload.refused' }, { via: by.via, error: error.message, ...(restartOnly.length === 0 ? {} : { restartOnly }) })
      .catch((err: unknown) => { log.error({ err: (err as Error).message }, 'could not record a refused reload in the audit') })
    return { ok: false, error, restartOnly }
  }

  async function run (by: ReloadBy): Promise<ReloadOutcome> {
    if (path === undefined) return await refuse(by, refusal('this gatekeeper was not started from a configuration file'), [])
    let next: Config
    try {
      next = await load(path, env)
    } catch (err) {
      const text = isGatekeeperError(err) ? `${err.code}: ${err.message}` : (err as Error).message
      return await refuse(by, refusal(text), [])
    }
    const { changed, restartOnly } = diffConfig(holder.current(), next)
    if (restartOnly.length > 0) {
      return await refuse(by, refusal(`${restartOnly.join(', ')} ${restartOnly.length === 1 ? 'differs' : 'differ'} from the running configuration and cannot change live: restart to apply`), restartOnly)
    }
    for (const part of parts) {
      if (part.check === undefined) continue
      try {
        part.check(next)
      } catch (err) {
        return await refuse(by, refusal((err as Error).message), [])
      }
    }
    const changedSet = new Set(changed)
    const concerned = (part: ReloadPart): boolean => part.keys === undefined || part.keys.some((key) => changedSet.has(key))
    // what the new configuration needs taken before it is applied (a listener bound): one that fails refuses it all
    const prepared: ReloadPart[] = []
    const undo = (): void => { for (const part of prepared.reverse()) part.rollback?.() }
    for (const part of parts) {
      if (part.prepare === undefined || !concerned(part)) continue
      try {
        await part.prepare(next)
      } catch (err) {
        undo()
        return await refuse(by, refusal((err as Error).message), [])
      }
      prepared.push(part)
    }
    try {
      // audited before anything changes: a reload the audit cannot record is not made
      await store.note({ actor: by.actor, ip: by.ip, action: 'reload' }, { via: by.via, changed })
    } catch (err) {
      undo()
      return await refuse(by, refusal(`the audit log could not record it: ${(err as Error).message}`), [])
    }
    for (const part of parts) {
      if (!concerned(part)) continue
      await part.apply(next)
    }
    if (changed.length > 0) holder.set(next)
    log.info({ via: by.via, actor: by.actor, changed, configVersion: holder.version }, 'configuration reloaded')
    return { ok: true, version: holder.version, changed }
  }

  return {
    /** One reload; a reload asked while another runs waits for it. */
    reload (by: ReloadBy): Promise<ReloadOutcome> {
      const result = queue.then(async () => await run(by))
      queue = result.catch(() => {})
      return result
    }
  }
}

export type Reloader = ReturnType<typeof createReloader>
