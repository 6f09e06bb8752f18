import cluster from 'node:cluster'
import type { Config } from '../config/config.js'
import type { ReloadBy, ReloadOutcome } from '../reload/reloader.js'
import type { Store } from '../store/store.js'

export interface Serving {
  close (): Promise<void>
  /** the primary (or the one process) reloads; a worker is told by its primary */
  reload?: (by: ReloadBy) => Promise<ReloadOutcome>
  /** the primary's store, which the watchdog asks */
  store?: Pick<Store, 'readAudit'>
}

/**
 * `gatekeeper serve`: one process, or with `workers: N` a primary (the
 * store, the admin API, ramps, figures) and N workers serving the public
 * listener. A worker runs this same command, sees it is a worker and serves;
 * it loads only the public side, so it carries no store client, admin API or
 * firewall code.
 */
export async function startServing (config: Config, configFile?: { path: string, env?: NodeJS.ProcessEnv }): Promise<Serving> {
  if (config.workers > 1 && cluster.isWorker) {
    const { startPublicWorker } = await import('./worker.js')
    return await startPublicWorker(config)
  }
  const { startGatekeeper } = await import('../server.js')
  const file = configFile === undefined ? {} : { configFile }
  if (config.workers <= 1) return await startGatekeeper(config, file)
  const { createWorkerPool } = await import('./worker-pool.js')
  return await startGatekeeper(config, { workers: createWorkerPool(config), ...file })
}
