import type { Config } from '../../config/config.js'
import { createCertificateSet, type CertificateLog } from './certificate-set.js'

/** Reads every TLS listener's certificates once, as start-up does: a bad one is a config error naming its key. */
export function checkCertificates (config: Config, log: CertificateLog): void {
  for (const listener of config.listeners) {
    if (listener.tls !== undefined) createCertificateSet({ listener, log }).close()
  }
}
