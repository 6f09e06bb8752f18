import { errors } from '../errors.js'

/** Why a request target has no single path every upstream would agree on. */
interface PathProblem {
  why: string
}

function problem (why: string): PathProblem {
  return Object.freeze({ why })
}

const NOT_ORIGIN_FORM = problem('does not start with "/" (an absolute URL or "*" is not a path)')
const BACKSLASH = problem('contains "\\", which some servers read as "/"')
const ENCODED_SEPARATOR = problem('contains an encoded "/" or "\\" (%2F, %5C), which some servers decode into a separator')
const PATH_PARAMETER = problem('contains ";" (or %3B), which starts a path parameter on some servers (Tomcat) and hides the real path')
const FRAGMENT = problem('contains "#" (or %23)')
const ENCODED_QUERY = problem('contains %3F, an encoded "?"')
const CONTROL = problem('contains a control character')
const NON_ASCII = problem('contains a non-ASCII character: servers fold look-alikes such as "．" or "∕" differently, so such a path is never always allowed')
const BAD_PERCENT = problem('contains a "%" that is not followed by two hex digits')
const ENCODED_PERCENT = problem('contains %25, an encoded "%", which a server that decodes twice reads differently')
const NOT_URL_CHAR = problem('contains a character that must be percent-encoded in a URL path')
const EMPTY_SEGMENT = problem('contains an empty segment ("//")')
const DOT_SEGMENT = problem('contains a "." or ".." segment (or one made only of dots and spaces)')

const SLASH = 47
const PERCENT = 37
const QUESTION = 63
const DOT = 46
const SPACE = 32

// Characters a path may carry unencoded (RFC 3986 pchar and "/"), except ";",
// which has its own problem. Built once: the request path only indexes it.
const URL_PATH_CHARS = new Uint8Array(128)
for (const char of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&\'()*+,=:@/%') {
  URL_PATH_CHARS[char.charCodeAt(0)] = 1
}

function rawCharProblem (c: number): PathProblem {
  if (c === 92) return BACKSLASH
  if (c === 59) return PATH_PARAMETER
  if (c === 35) return FRAGMENT
  if (c < 0x20 || c === 0x7f) return CONTROL
  if (c > 0x7f) return NON_ASCII
  return NOT_URL_CHAR
}

function decodedCharProblem (c: number): PathProblem | null {
  if (c === SLASH || c === 92) return ENCODED_SEPARATOR
  if (c === 59) return PATH_PARAMETER
  if (c === 35) return FRAGMENT
  if (c === QUESTION) return ENCODED_QUERY
  if (c === PERCENT) return ENCODED_PERCENT
  if (c < 0x20 || c === 0x7f) return CONTROL
  if (c > 0x7f) return NON_ASCII
  return null
}

function hexValue (c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  const lower = c | 0x20
  if (lower >= 97 && lower <= 102) return lower - 87
  return -1
}

/** Percent-decodes `raw[0, end)`, whose characters are already known to be URL path characters. */
function percentDecode (raw: string, end: number): string | PathProblem {
  let decoded = ''
  let copiedTo = 0
  for (let i = raw.indexOf('%'); i !== -1 && i < end; i = raw.indexOf('%', i)) {
    const high = i + 2 < end ? hexValue(raw.charCodeAt(i + 1)) : -1
    const low = high === -1 ? -1 : hexValue(raw.charCodeAt(i + 2))
    if (low === -1) return BAD_PERCENT
    const c = high * 16 + low
    const bad = decodedCharProblem(c)
    if (bad !== null) return bad
    decoded += raw.slice(copiedTo, i) + String.fromCharCode(c)
    i += 3
    copiedTo = i
  }
  return decoded + raw.slice(copiedTo, end)
}

/** Refuses `//` and segments an upstream may resolve: `.`, `..`, and, for Windows, any made of dots and spaces. */
function segmentProblem (path: string): PathProblem | null {
  let start = 1
  for (let i = 1; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== SLASH) continue
    // the last segment may be empty: '/assets/' is a directory, not '//'
    if (i === start && i < path.length) return EMPTY_SEGMENT
    let onlyDotsAndSpaces = i > start
    for (let k = start; k < i && onlyDotsAndSpaces; k++) {
      const c = path.charCodeAt(k)
      onlyDotsAndSpaces = c === DOT || c === SPACE
    }
    if (onlyDotsAndSpaces) return DOT_SEGMENT
    start = i + 1
  }
  return null
}

/** The decoded path of a request target, or why it has none every upstream agrees on. */
function resolvePath (rawUrl: string): string | PathProblem {
  if (typeof rawUrl !== 'string' || rawUrl.charCodeAt(0) !== SLASH) return NOT_ORIGIN_FORM
  let end = rawUrl.indexOf('?')
  if (end === -1) end = rawUrl.length
  let encoded = false
  for (let i = 0; i < end; i++) {
    const c = rawUrl.charCodeAt(i)
    if (c >= 128 || URL_PATH_CHARS[c] !== 1) return rawCharProblem(c)
    if (c === PERCENT) encoded = true
  }
  const path = encoded ? percentDecode(rawUrl, end) : rawUrl.slice(0, end)
  if (typeof path !== 'string') return path
  return segmentProblem(path) ?? path
}

/**
 * The path of a request target (origin form: path and optional query) as
 * the upstream will route on it: the query dropped, percent-decoded. null
 * when the path is ambiguous in any way an upstream might resolve
 * differently from a plain string comparison: encoded separators, "\",
 * ";", control or non-ASCII characters, bad percent-encoding, double
 * encoding (%25), empty or dot segments, a fragment, a target that is not a
 * path. Such a request is not always allowed; the gate decides it as usual.
 */
export function canonicalPath (rawUrl: string): string | null {
  const path = resolvePath(rawUrl)
  return typeof path === 'string' ? path : null
}

function patternProblem (pattern: string, body: string): string | null {
  if (pattern === '/*') return 'would let every request past the gate; open the site instead'
  if (body.includes('*')) return 'has a "*" that does not end a prefix (as in "/assets/*")'
  if (body.includes('%')) return 'contains "%": write the path decoded, as it is matched after percent-decoding'
  if (body.includes('?')) return 'contains "?": the query is ignored when matching, so leave it out'
  if (body.includes('\\')) return BACKSLASH.why
  let encoded: string
  try {
    encoded = encodeURI(body)
  } catch {
    return NON_ASCII.why
  }
  const resolved = resolvePath(encoded)
  return typeof resolved === 'string' ? null : resolved.why
}

/**
 * Compiles `alwaysAllow.paths`: exact paths (`/healthz`) and prefixes
 * (`/assets/*`: every path below `/assets/`, including `/assets/` itself,
 * but not `/assets`; list that too if it should pass). Patterns are written
 * decoded and matched case-sensitively against canonicalPath; a target
 * without a canonical path never matches. Throws GK_ERR_CONFIG naming the
 * first bad pattern by its index.
 */
export function compilePathMatcher (patterns: string[]): (rawUrl: string) => boolean {
  if (!Array.isArray(patterns)) throw new errors.GK_ERR_CONFIG('alwaysAllow.paths: must be a list of paths')
  const exact = new Set<string>()
  const prefixes: string[] = []
  patterns.forEach((pattern: unknown, index) => {
    const where = `alwaysAllow.paths[${index}]`
    if (typeof pattern !== 'string') throw new errors.GK_ERR_CONFIG(`${where}: must be a string, got ${typeof pattern}`)
    const isPrefix = pattern.endsWith('/*')
    const body = isPrefix ? pattern.slice(0, -1) : pattern
    const why = patternProblem(pattern, body)
    if (why !== null) throw new errors.GK_ERR_CONFIG(`${where}: ${JSON.stringify(pattern)} ${why}`)
    if (isPrefix) prefixes.push(body)
    else exact.add(body)
  })
  return function isAlwaysAllowed (rawUrl: string): boolean {
    const path = canonicalPath(rawUrl)
    if (path === null) return false
    if (exact.has(path)) return true
    for (let i = 0; i < prefixes.length; i++) if (path.startsWith(prefixes[i] as string)) return true
    return false
  }
}
