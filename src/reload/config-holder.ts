import type { Config } from '../config/config.js'

/**
 * The configuration in force. Everything that may change on a reload reads
 * it through `current()` (or is handed the new one by a reload part), never
 * through a copy captured at start-up.
 */
export interface ConfigHolder {
  current (): Config
  /** 1 at start-up; one more for every reload that changed something */
  readonly version: number
  set (next: Config): void
}

export function createConfigHolder (initial: Config): ConfigHolder {
  let config = initial
  let version = 1
  return {
    current: () => config,
    get version () { return version },
    set (next) {
      config = next
      version++
    }
  }
}
