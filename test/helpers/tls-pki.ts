import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type PeerCertificate, type TLSSocket, type SecureVersion } from 'node:tls'

/** A throwaway CA and leaf certificates made with openssl in `dir`. */
export interface TestPki {
  dir: string
  ca: Buffer
  /** A leaf for `names` (subjectAltName DNS), signed by the CA; `days` < 0 makes it expired. Returns the two file paths. */
  leaf (file: string, names: string[], options?: { days?: number, serial?: number }): { cert: string, key: string }
}

function openssl (args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

let serials = 0x1000

export function makePki (dir: string): TestPki {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3', '-subj', '/CN=Gatekeeper Test CA'], dir)
  return {
    dir,
    ca: readFileSync(join(dir, 'ca.crt')),
    leaf (file, names, options = {}) {
      const serial = options.serial ?? ++serials
      const ext = join(dir, `${file}.ext`)
      writeFileSync(ext, `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`)
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${names[0] ?? 'none'}`], dir)
      openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(serial), '-days', String(options.days ?? 2), '-extfile', ext, '-out', `${file}.crt`], dir)
      return { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) }
    }
  }
}

export interface Handshake { peer: PeerCertificate, protocol: string | null, socket: TLSSocket }

/** A TLS handshake with 127.0.0.1:`port`, trusting the test CA; `servername` undefined sends no SNI. */
export function handshake (port: number, ca: Buffer, servername: string | undefined, options: { maxVersion?: SecureVersion, minVersion?: SecureVersion, ciphers?: string, localAddress?: string } = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      ca,
      ...(servername === undefined ? {} : { servername }),
      // without SNI the name is checked by hand in the test
      checkServerIdentity: () => undefined,
      ...options
    }, () => {
      resolve({ peer: socket.getPeerCertificate(), protocol: socket.getProtocol(), socket })
    })
    socket.once('error', reject)
    socket.setTimeout(10_000, () => { socket.destroy(new Error('handshake timed out')) })
  })
}

/** The serial of the certificate a handshake for `servername` gets; the socket is closed. */
export async function servedSerial (port: number, ca: Buffer, servername: string | undefined): Promise<string> {
  const { peer, socket } = await handshake(port, ca, servername)
  socket.destroy()
  return peer.serialNumber.toUpperCase()
}

/** A chunked body decoded, or null while its last chunk has not come. */
function dechunked (data: Buffer): Buffer | null {
  const parts: Buffer[] = []
  let at = 0
  for (let guard = 0; guard < 100_000; guard++) {
    const line = data.indexOf('\r\n', at)
    if (line === -1) return null
    const size = parseInt(data.subarray(at, line).toString('latin1'), 16)
    if (Number.isNaN(size)) throw new Error('bad chunk size')
    if (size === 0) return data.length >= line + 4 ? Buffer.concat(parts) : null
    if (data.length < line + 2 + size + 2) return null
    parts.push(data.subarray(line + 2, line + 2 + size))
    at = line + 2 + size + 2
  }
  throw new Error('too many chunks')
}

/** One HTTP/1.1 request over a TLS socket already open (keep-alive); resolves with the status, headers and body. */
export function requestOver (socket: TLSSocket, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number, head: string, body: string }> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0)
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk])
      const text = data.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      if (end === -1) return
      const head = text.slice(0, end)
      const rest = data.subarray(end + 4)
      let body: Buffer | null
      if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
        body = dechunked(rest)
      } else {
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? '0')
        body = rest.length >= length ? rest.subarray(0, length) : null
      }
      if (body === null) return
      const whole = body
      socket.off('data', onData)
      socket.off('error', reject)
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: whole.toString() })
    }
    socket.on('data', onData)
    socket.once('error', reject)
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`)
  })
}
