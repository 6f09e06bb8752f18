import cluster from 'node:cluster'
import type { CertificateSet, ReloadOutcome } from './certificate-set.js'

/** The certificate sets of the TLS listeners serving in this process. */
const active = new Set<CertificateSet>()

/** Called by the public app for each TLS listener it serves; the returned function forgets it. */
export function registerCertificateSet (set: CertificateSet): () => void {
  active.add(set)
  return () => { active.delete(set) }
}

export const RELOAD_CERTIFICATES_MESSAGE = 'gk:reload-certificates'

/**
 * Reads every TLS certificate again (as on a change of its files): new
 * handshakes get the new ones, open connections keep theirs, a bad one is
 * refused and the old one keeps serving. In a primary with `workers: N`,
 * each worker is told to do the same with its own listeners. Returns what
 * this process did.
 */
export function reloadCertificates (): ReloadOutcome[] {
  if (cluster.isPrimary) {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected() === true) worker.send({ type: RELOAD_CERTIFICATES_MESSAGE })
    }
  }
  return [...active].flatMap((set) => set.reload())
}

export function isReloadCertificatesMessage (message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === RELOAD_CERTIFICATES_MESSAGE
}
