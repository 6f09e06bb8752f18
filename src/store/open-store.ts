import type { Logger } from 'pino'
import type { Config } from '../config/config.js'
import { errors } from '../errors.js'
import { createFileStore } from './file-store.js'
import type { Store } from './store.js'

/** The store the configuration names. */
export function openStore (config: Config, _logger: Logger): Store {
  if (config.store.type === 'file') {
    return createFileStore({ path: config.store.path, ...(config.store.auditPath === undefined ? {} : { auditPath: config.store.auditPath }) })
  }
  throw new errors.GK_ERR_CONFIG('store.type: redis is not available in this build')
}
