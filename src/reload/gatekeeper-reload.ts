import type { Config } from '../config/config.js'
import type { Store } from '../store/store.js'
import { createConfigHolder, type ConfigHolder } from './config-holder.js'
import { gatekeeperParts, type GatekeeperPieces } from './parts.js'
import { createReloader, type Reloader } from './reloader.js'

export interface GatekeeperReloadOptions extends GatekeeperPieces {
  config: Config
  /** the file `serve --config` read; undefined when the process was handed a parsed configuration */
  path: string | undefined
  env?: NodeJS.ProcessEnv
  store: Pick<Store, 'note'>
  logger: GatekeeperPieces['logger'] & ReloaderLog
}

type ReloaderLog = Parameters<typeof createReloader>[0]['log']

/** The configuration in force and the reload of one gatekeeper process, wired to its parts. */
export function gatekeeperReload (options: GatekeeperReloadOptions): { holder: ConfigHolder, reloader: Reloader } {
  const holder = createConfigHolder(options.config)
  const reloader = createReloader({
    path: options.path,
    ...(options.env === undefined ? {} : { env: options.env }),
    holder,
    parts: gatekeeperParts(options),
    store: options.store,
    log: options.logger
  })
  return { holder, reloader }
}
