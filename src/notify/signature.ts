import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * `X-Gatekeeper-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `<t>.<body>`: the timestamp is signed with the body, so a receiver that
 * refuses old timestamps cannot be fed a recorded delivery again.
 */
export const SIGNATURE_HEADER = 'x-gatekeeper-signature'

export function signatureOf (secret: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')
  return `t=${timestamp},v1=${mac}`
}

/** What a receiver does: recompute, compare in constant time, refuse a stale timestamp. */
export function verifySignature (secret: string, header: string | undefined, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  if (header === undefined) return false
  const match = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/.exec(header)
  if (match === null) return false
  const timestamp = Number(match[1])
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(signatureOf(secret, timestamp, body).slice(-64), 'hex')
  return timingSafeEqual(expected, Buffer.from(match[2] as string, 'hex'))
}
