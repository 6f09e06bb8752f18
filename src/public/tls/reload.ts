import cluster from 'node:cluster'
import type { PublicListener } from '../../config/listeners.js'
import { CertificateProblem, checkNamesKept, loadCertificate, type LoadedCertificate } from './certificate.js'
import type { CertificateSet, ReloadOutcome } from './certificate-set.js'

/** The certificate sets of the TLS listeners serving in this process. */
const active = new Set<CertificateSet>()

/** Called by the public app for each TLS listener it serves; the returned function forgets it. */
export function registerCertificateSet (set: CertificateSet): () => void {
  active.add(set)
  return () => { active.delete(set) }
}

export const RELOAD_CERTIFICATES_MESSAGE = 'gk:reload-certificates'

/** The certificates of a configuration, read and checked, by listener key (`listen[0]`). */
export type CheckedCertificates = ReadonlyMap<string, readonly LoadedCertificate[]>

/**
 * Reads and checks every certificate of `listeners` as at start (readable,
 * parseable, its key matches, valid now, names a host) and, where this
 * process serves the listener, that it keeps the names of the one in
 * service. The first that cannot serve throws an Error whose message
 * starts with its key: `listen[0].tls.certs[1].key: …`. Nothing is swapped.
 */
export function checkCertificates (listeners: readonly PublicListener[]): CheckedCertificates {
  const checked = new Map<string, LoadedCertificate[]>()
  for (const listener of listeners) {
    if (listener.tls === undefined) continue
    // the set serving the same address: a reload may have moved the listener in the list
    const serving = [...active].find((set) => set.address === `${listener.host}:${listener.port}`)?.current() ?? []
    checked.set(listener.key, listener.tls.certs.map((files, i) => {
      try {
        const next = loadCertificate(files)
        const old = serving[i]
        if (old !== undefined) checkNamesKept(old, next)
        return next
      } catch (err) {
        if (err instanceof CertificateProblem) throw new Error(`${listener.key}.tls.certs[${i}].${err.file}: ${err.message}`)
        throw err
      }
    }))
  }
  return checked
}

/**
 * Reads every TLS certificate again (as on a change of its files): new
 * handshakes get the new ones, open connections keep theirs, a bad one is
 * refused and the old one keeps serving. In a primary with `workers: N`,
 * each worker is told to do the same with its own listeners. Returns what
 * this process did. Given `checked` (by checkCertificates), this process's
 * listeners swap in those instead of reading the files once more.
 */
export function reloadCertificates (checked?: CheckedCertificates): ReloadOutcome[] {
  if (cluster.isPrimary) {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected() === true) worker.send({ type: RELOAD_CERTIFICATES_MESSAGE })
    }
  }
  return [...active].flatMap((set) => {
    const certs = checked?.get(set.key)
    return certs === undefined ? set.reload() : set.install(certs)
  })
}

export function isReloadCertificatesMessage (message: unknown): boolean {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === RELOAD_CERTIFICATES_MESSAGE
}
