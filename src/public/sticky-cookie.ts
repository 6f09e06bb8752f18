import { stickyCookieValue } from '../gate/bucket.js'

/** The Set-Cookie line that keeps a staged client in its bucket for this window. */
export function stickyCookieHeader (name: string, seed: string, id: string): string {
  return `${name}=${stickyCookieValue(seed, id)}; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax`
}
