import type { Config } from '../config/config.js'
import { fromWire, isToWorker, type ToPrimary } from './messages.js'

/** How long a starting worker waits for its primary's answer before it gives up (and is started again). */
const ANSWER_WITHIN_MS = 30_000

/**
 * The configuration a worker of `workers: N` serves: the primary's, asked
 * over the IPC channel. The file is not read again: it may have changed or
 * broken since the primary loaded (or reloaded) it.
 */
export function configFromPrimary (): Promise<Config> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('message', onMessage)
      reject(new Error(`the primary did not send the configuration within ${ANSWER_WITHIN_MS} ms`))
    }, ANSWER_WITHIN_MS)
    function onMessage (message: unknown): void {
      if (!isToWorker(message) || message.type !== 'gk:config') return
      clearTimeout(timer)
      process.off('message', onMessage)
      resolve(fromWire(message.config))
    }
    process.on('message', onMessage)
    const ask: ToPrimary = { type: 'gk:config?' }
    process.send?.(ask)
  })
}
