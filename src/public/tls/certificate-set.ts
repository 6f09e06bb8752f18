import type { Server as TlsServer, SecureContext, TlsOptions } from 'node:tls'
import type { CertificateFiles, PublicListener } from '../../config/listeners.js'
import { fail } from '../../input/config-checks.js'
import { CertificateProblem, TLS_TERMS, checkNamesKept, fileSignature, keyReadableByOthers, loadCertificate, nameMatches, type LoadedCertificate } from './certificate.js'

export interface CertificateLog {
  info (details: Record<string, unknown>, message: string): void
  warn (details: Record<string, unknown>, message: string): void
  error (details: Record<string, unknown>, message: string): void
}

/** A replacement certificate that was refused: the old one keeps serving. */
export interface RefusedCertificate {
  /** the config key of the file at fault: `listen[0].tls.certs[1].key` */
  key: string
  path: string
  why: string
}

export interface ReloadOutcome {
  key: string
  outcome: 'reloaded' | 'unchanged' | 'refused'
  serial: string
}

/** How often the certificate files are looked at (inode, size, mtime, through symlinks). */
export const CERT_POLL_MS = 2000

export interface CertificateSetOptions {
  listener: PublicListener
  log: CertificateLog
  pollMs?: number
  onRefused?: (refused: RefusedCertificate) => void
}

function warnIfKeyShared (path: string, log: CertificateLog): void {
  if (keyReadableByOthers(path)) log.warn({ path }, `TLS key file ${path} is readable by group or others; chmod 600 it (or 640 with a group only gatekeeper is in)`)
}

/**
 * The certificates of one TLS listener, chosen per handshake by SNI (the
 * first one serves handshakes without SNI or for an unknown name). Each has
 * its own SecureContext, swapped when its files change or on reload(): new
 * handshakes get the new certificate, open connections keep theirs. A
 * replacement that cannot serve is refused and the old one stays.
 * At start a certificate that cannot serve is a config error naming its key.
 */
export function createCertificateSet (options: CertificateSetOptions) {
  const { listener, log, onRefused } = options
  const files = listener.tls?.certs ?? []
  const keyOf = (i: number, file: 'cert' | 'key'): string => `${listener.key}.tls.certs[${i}].${file}`
  const loaded: LoadedCertificate[] = files.map((pair, i) => {
    try {
      return loadCertificate(pair)
    } catch (err) {
      if (err instanceof CertificateProblem) fail(keyOf(i, err.file), err.message)
      throw err
    }
  })
  for (const pair of files) warnIfKeyShared(pair.key, log)
  const seen = files.map((pair) => `${fileSignature(pair.cert)}|${fileSignature(pair.key)}`)
  const servers = new Set<TlsServer>()
  let timer: NodeJS.Timeout | null = null

  function contextFor (servername: string): SecureContext | undefined {
    let wildcard: LoadedCertificate | undefined
    for (const cert of loaded) {
      const match = nameMatches(cert.names, servername)
      if (match === 'exact') return cert.context
      if (match === 'wildcard') wildcard ??= cert
    }
    return (wildcard ?? loaded[0])?.context
  }

  function defaultOptions (): TlsOptions {
    const first = loaded[0]
    return { ...TLS_TERMS, ...(first === undefined ? {} : first.pem) }
  }

  /** Swaps in certificate `i` as read (and checked) by `read`; refused, the old one keeps serving. */
  function tryLoad (i: number, read: (pair: CertificateFiles) => LoadedCertificate = loadCertificate): ReloadOutcome {
    const pair = files[i]
    const old = loaded[i]
    if (pair === undefined || old === undefined) throw new Error(`no certificate ${i}`)
    try {
      const next = read(pair)
      checkNamesKept(old, next)
      loaded[i] = next
      if (i === 0) for (const server of servers) server.setSecureContext(defaultOptions())
      warnIfKeyShared(pair.key, log)
      const changed = next.fingerprint256 !== old.fingerprint256
      if (changed) log.info({ key: keyOf(i, 'cert'), path: pair.cert, names: next.names, serial: next.serial, validTo: next.validTo, was: old.serial }, 'TLS certificate reloaded: new handshakes get it')
      return { key: keyOf(i, 'cert'), outcome: changed ? 'reloaded' : 'unchanged', serial: next.serial }
    } catch (err) {
      const problem = err instanceof CertificateProblem ? err : new CertificateProblem('cert', pair.cert, (err as Error).message)
      const refused = { key: keyOf(i, problem.file), path: problem.path, why: problem.message }
      log.error({ ...refused, serving: old.serial }, `TLS certificate refused, the old one keeps serving: ${refused.key}: ${problem.message}`)
      onRefused?.(refused)
      return { key: keyOf(i, 'cert'), outcome: 'refused', serial: old.serial }
    }
  }

  function poll (): void {
    files.forEach((pair, i) => {
      const now = `${fileSignature(pair.cert)}|${fileSignature(pair.key)}`
      if (now === seen[i]) return
      seen[i] = now
      tryLoad(i)
    })
  }

  return {
    /** The TLS options of a server for this listener: the terms, the first certificate by default, the others by SNI. */
    serverOptions (): TlsOptions {
      return {
        ...defaultOptions(),
        SNICallback: (servername, callback) => { callback(null, contextFor(servername)) }
      }
    },

    /** The SNI choice: the certificate for `servername`, or the first one. */
    sni (servername: string, callback: (err: Error | null, context?: SecureContext) => void): void {
      callback(null, contextFor(servername))
    },

    /** A server using these certificates; its default (no SNI) certificate follows the first one's reloads. */
    attach (server: TlsServer): void {
      servers.add(server)
      server.once('close', () => servers.delete(server))
    },

    /** Starts looking at the files every `pollMs`. */
    watch (): void {
      timer ??= setInterval(poll, options.pollMs ?? CERT_POLL_MS).unref()
    },

    /** Reads every certificate again now, changed or not. */
    reload (): ReloadOutcome[] {
      return files.map((pair, i) => {
        seen[i] = `${fileSignature(pair.cert)}|${fileSignature(pair.key)}`
        return tryLoad(i)
      })
    },

    /**
     * Swaps in certificates already read and checked (by a reload, before
     * it applied anything), one per `tls.certs` entry, in order.
     */
    install (checked: readonly LoadedCertificate[]): ReloadOutcome[] {
      return files.map((pair, i) => {
        seen[i] = `${fileSignature(pair.cert)}|${fileSignature(pair.key)}`
        const next = checked[i]
        return tryLoad(i, next === undefined ? loadCertificate : () => next)
      })
    },

    /** The config key of the listener: `listen[0]`. */
    key: listener.key,

    /** Where the listener listens (`host:port`), which names it across a reload that moves its key. */
    address: `${listener.host}:${listener.port}`,

    current (): readonly LoadedCertificate[] {
      return loaded
    },

    close (): void {
      if (timer !== null) clearInterval(timer)
      timer = null
    }
  }
}

export type CertificateSet = ReturnType<typeof createCertificateSet>
