import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  headers: IncomingMessage['headers']
  body: string
}

export interface Receiver {
  url: string
  received: Received[]
  /** requests that arrived and were not answered (a receiver that hangs) */
  held: ServerResponse[]
  close (): Promise<void>
}

interface Teardown { teardown (fn: () => unknown): void }

/** A webhook receiver on loopback: answers `status`, or never answers when `hang` is set. */
export async function startReceiver (t: Teardown, options: { status?: number, hang?: boolean } = {}): Promise<Receiver> {
  const received: Received[] = []
  const held: ServerResponse[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() })
      if (options.hang === true) {
        held.push(res)
        return
      }
      res.writeHead(options.status ?? 204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = (): Promise<void> => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  t.teardown(close)
  return { url: `http://127.0.0.1:${port}/hook`, received, held, close }
}
