import { createHash } from 'node:crypto'

/** How many sessions the affinity map remembers; the least recently used is forgotten first. */
export const AFFINITY_ENTRIES = 100_000

/** A session cookie's value, hashed: the map never holds a session id itself. */
function keyOf (value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22)
}

/** The value of cookie `name` in a Cookie request header, if present. */
export function cookieValue (header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  const text = Array.isArray(header) ? header.join('; ') : header
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1) continue
    if (part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim()
      return value === '' ? undefined : value
    }
  }
  return undefined
}

/** What a Set-Cookie line says of cookie `name`: its value, or that it is cleared; undefined when it is about another cookie. */
export function setCookieOf (line: string, name: string): { value: string, cleared: boolean } | undefined {
  const semi = line.indexOf(';')
  const pair = semi === -1 ? line : line.slice(0, semi)
  const eq = pair.indexOf('=')
  if (eq === -1 || pair.slice(0, eq).trim() !== name) return undefined
  const value = pair.slice(eq + 1).trim()
  const attributes = semi === -1 ? '' : line.slice(semi).toLowerCase()
  const cleared = value === '' || /;\s*max-age\s*=\s*(0|-\d+)\s*(;|$)/.test(attributes) || /;\s*expires\s*=\s*thu, 01 jan 1970/.test(attributes)
  return { value, cleared }
}

/**
 * Which node issued which session: learnt from the Set-Cookie lines of the
 * nodes' answers, read for each request carrying the cookie. Bounded: the
 * least recently used session is forgotten first (its next request is
 * balanced like a new one).
 */
export function createAffinity (cookie: string, max = AFFINITY_ENTRIES) {
  const sessions = new Map<string, string>()

  return {
    cookie,
    /** The node that issued the request's session, if remembered. */
    nodeOf (cookieHeader: string | string[] | undefined): string | undefined {
      const value = cookieValue(cookieHeader, cookie)
      if (value === undefined) return undefined
      const key = keyOf(value)
      const node = sessions.get(key)
      if (node !== undefined) {
        sessions.delete(key)
        sessions.set(key, node)
      }
      return node
    },
    /** Learns from a node's Set-Cookie lines. */
    issued (node: string, setCookie: string | string[] | undefined): void {
      if (setCookie === undefined) return
      for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
        const said = setCookieOf(line, cookie)
        if (said === undefined) continue
        if (said.cleared) {
          if (said.value !== '') sessions.delete(keyOf(said.value))
          continue
        }
        const key = keyOf(said.value)
        sessions.delete(key)
        sessions.set(key, node)
        if (sessions.size > max) sessions.delete(sessions.keys().next().value as string)
      }
    },
    get size (): number {
      return sessions.size
    }
  }
}

export type Affinity = ReturnType<typeof createAffinity>
