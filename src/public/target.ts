const SCHEME = /^[a-z][a-z0-9+.-]*:/i
const INVISIBLE = /[\t\n\r\0]/g

/**
 * What is wrong with a request target, if anything: `absolute` for one that
 * is not a path (an absolute-form target would make Gatekeeper a forward
 * proxy), `escapes` for a path that could leave the upstream's root once
 * read (a dot-dot segment, plain or percent-encoded or behind a backslash,
 * a leading '//', an encoding that does not decode). The target itself is
 * passed verbatim; this only decides whether it is passed at all.
 */
export function targetProblem (url: string): 'absolute' | 'escapes' | null {
  if (url.charCodeAt(0) !== 47) return 'absolute'
  const query = url.indexOf('?')
  const path = (query === -1 ? url : url.slice(0, query)).replace(INVISIBLE, '').replaceAll('\\', '/')
  if (path.startsWith('//') || SCHEME.test(path)) return 'escapes'
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return 'escapes'
  }
  return decoded.replaceAll('\\', '/').split('/').includes('..') ? 'escapes' : null
}

const PLAIN_BREAKERS = /[%\\]|\.\./

/** A target that needs no closer look: a path, no '//' start, no percent sign, backslash or '..'. The common case, checked in one scan. */
export function isPlainTarget (url: string): boolean {
  if (url.charCodeAt(0) !== 47 || url.charCodeAt(1) === 47) return false
  const query = url.indexOf('?')
  return !PLAIN_BREAKERS.test(query === -1 ? url : url.slice(0, query))
}
