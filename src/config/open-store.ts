import type { Logger } from 'pino'
import type { Config } from './config.js'
import { createFileStore } from '../store/file-store.js'
import type { RedisLink } from '../store/redis-connection.js'
import type { RedisStore } from '../store/redis-store.js'
import type { Store } from '../store/store.js'
import type { OutagePolicyOptions } from '../feed/outage-policy.js'

export type OpenedStore = RedisStore | (Store & { readonly kind: 'file' })

/**
 * The store the configuration names; the caller owns its close(). The Redis
 * client is loaded only when the configuration asks for it: on the file
 * store, ioredis is never in memory. `link`: the Redis clients to open the
 * store on (a site's, on the main store's); without it, the store makes its own.
 */
export async function openStore (config: Config, logger: Logger, link?: RedisLink | null): Promise<OpenedStore> {
  if (config.store.type === 'redis') {
    const { type: _type, ...redis } = config.store
    const { createRedisStore } = await import('../store/redis-store.js')
    return createRedisStore(redis, logger.child({ component: 'store' }), link ?? undefined)
  }
  const store = createFileStore({ path: config.store.path, logger: logger.child({ component: 'store' }), ...(config.store.auditPath === undefined ? {} : { auditPath: config.store.auditPath }) })
  return { ...store, kind: 'file' }
}

/** What the state feed serves while the store is down, and where it keeps its local copy (a shared store's). */
export function outagePolicyOf (config: Config): OutagePolicyOptions {
  return { onStoreFailure: config.onStoreFailure, ...(config.store.type === 'redis' ? { localCopyPath: config.store.localCopyPath } : {}) }
}
