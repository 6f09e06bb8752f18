import { X509Certificate, createPrivateKey } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls'
import type { CertificateFiles } from '../../config/listeners.js'

/**
 * TLS 1.2 and 1.3 only. For 1.2, forward secrecy (ECDHE) and AEAD ciphers
 * alone; 1.3's suites are all AEAD. The server's order wins.
 */
export const TLS_TERMS: SecureContextOptions = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [
    'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305'
  ].join(':'),
  honorCipherOrder: true
}

/** A certificate and its key, read and checked, ready to serve. */
export interface LoadedCertificate {
  files: CertificateFiles
  /** lower-case DNS names the certificate is for (`*.example.edu` included as written) */
  names: string[]
  serial: string
  fingerprint256: string
  validTo: string
  context: SecureContext
  /** what serves the handshakes without SNI, for the listener's first certificate */
  pem: { cert: Buffer, key: Buffer }
}

/** Why a certificate cannot serve, and which of its two files is at fault. */
export class CertificateProblem extends Error {
  constructor (readonly file: 'cert' | 'key', readonly path: string, why: string) {
    super(why)
  }
}

/** The DNS names a certificate is for: subjectAltName's, else the subject's CN. */
export function namesOf (x509: X509Certificate): string[] {
  const alt = x509.subjectAltName
  if (alt !== undefined && alt !== '') {
    const dns = alt.split(',').map((part) => part.trim()).filter((part) => part.startsWith('DNS:')).map((part) => part.slice(4).toLowerCase())
    if (dns.length > 0) return dns
  }
  const cn = x509.subject.split('\n').find((line) => line.startsWith('CN='))
  return cn === undefined || cn.length === 3 ? [] : [cn.slice(3).toLowerCase()]
}

function read (path: string, file: 'cert' | 'key'): Buffer {
  try {
    // through symlinks: certbot renews by pointing live/ at new files in archive/
    return readFileSync(path)
  } catch (err) {
    throw new CertificateProblem(file, path, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/** Reads and checks one certificate: parseable, its key matches, valid now, for at least one name. */
export function loadCertificate (files: CertificateFiles, now = Date.now()): LoadedCertificate {
  const cert = read(files.cert, 'cert')
  const key = read(files.key, 'key')
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch (err) {
    throw new CertificateProblem('cert', files.cert, `${files.cert} is not a PEM certificate (${(err as Error).message})`)
  }
  let privateKey
  try {
    privateKey = createPrivateKey(key)
  } catch (err) {
    throw new CertificateProblem('key', files.key, `${files.key} is not a PEM private key (${(err as Error).message})`)
  }
  if (!x509.checkPrivateKey(privateKey)) throw new CertificateProblem('key', files.key, `${files.key} is not the key of the certificate ${files.cert}`)
  if (Date.parse(x509.validTo) <= now) throw new CertificateProblem('cert', files.cert, `${files.cert} expired on ${x509.validTo}`)
  if (Date.parse(x509.validFrom) > now) throw new CertificateProblem('cert', files.cert, `${files.cert} is not valid before ${x509.validFrom}`)
  const names = namesOf(x509)
  if (names.length === 0) throw new CertificateProblem('cert', files.cert, `${files.cert} names no host (neither a subjectAltName DNS name nor a CN)`)
  let context: SecureContext
  try {
    context = createSecureContext({ ...TLS_TERMS, cert, key })
  } catch (err) {
    throw new CertificateProblem('cert', files.cert, `${files.cert} cannot serve TLS (${(err as Error).message})`)
  }
  return { files, names, serial: x509.serialNumber, fingerprint256: x509.fingerprint256, validTo: x509.validTo, context, pem: { cert, key } }
}

/** A renewal keeps the names: a certificate for other hosts would break the site it replaces. */
export function checkNamesKept (serving: LoadedCertificate, next: LoadedCertificate): void {
  const dropped = serving.names.filter((name) => !next.names.includes(name))
  if (dropped.length > 0) throw new CertificateProblem('cert', next.files.cert, `${next.files.cert} no longer names ${dropped.join(', ')}, which the certificate in service does (restart to drop a name)`)
}

/** Whether a key file may be read by anyone but its owner (group or others). */
export function keyReadableByOthers (path: string): boolean {
  try {
    return (statSync(path).mode & 0o044) !== 0
  } catch {
    return false
  }
}

/** What changes when a file is replaced, rewritten or re-pointed (a symlink followed). */
export function fileSignature (path: string): string {
  try {
    const s = statSync(path)
    return `${s.ino}:${s.size}:${s.mtimeMs}`
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`
  }
}

/** Whether `servername` is one of `names`; a wildcard `*.example.edu` stands for exactly one label. */
export function nameMatches (names: readonly string[], servername: string): 'exact' | 'wildcard' | null {
  const host = servername.toLowerCase().replace(/\.$/, '')
  if (names.includes(host)) return 'exact'
  const dot = host.indexOf('.')
  if (dot <= 0) return null
  const parent = host.slice(dot + 1)
  return names.some((name) => name.startsWith('*.') && name.slice(2) === parent) ? 'wildcard' : null
}
