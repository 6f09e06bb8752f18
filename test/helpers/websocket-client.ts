import WebSocket from 'ws'

/** An upgrade's outcome: an open socket with the upstream's greeting, or the HTTP status that refused it. */
export type Upgrade = { ws: WebSocket, hello: unknown } | { status: number }

/** Opens a WebSocket from a chosen loopback address and waits for the sample upstream's greeting, or for the refusal. */
export function connectWebSocket (url: string, localAddress: string, headers: Record<string, string> = {}): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress, headers })
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(data.toString()) }))
    ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); res.resume() })
    ws.once('error', reject)
  })
}

/** The close code the socket ends with, or 'still open' if it has not ended within `boundMs` (a bound, not a timing claim). */
export function closeCodeOf (ws: WebSocket, boundMs: number): Promise<number | 'still open'> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still open'), boundMs)
    ws.once('close', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

/** The next message on the socket, as text, or 'none' within `boundMs`. */
export function nextMessage (ws: WebSocket, boundMs: number): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('none'), boundMs)
    ws.once('message', (data) => {
      clearTimeout(timer)
      resolve(String(data))
    })
  })
}
