import { errors } from '../errors.js'

const STRONG = /^"?(\d{1,15})"?$/
const WEAK = /^W\/"(\d{1,15})"$/

/**
 * The version an If-Match header expects, or undefined when any version
 * will do: no header, or `*` (the state always exists). `"12"` and `12`
 * both read as 12. If-Match compares strongly (RFC 9110 §13.1.1), so a weak
 * tag such as `W/"12"` never matches: 412, and nothing changes.
 */
export function expectedVersion (header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined
  const text = (Array.isArray(header) ? header.join(',') : header).trim()
  if (text === '*') return undefined
  const weak = WEAK.exec(text)
  if (weak !== null) throw new errors.GK_ERR_WEAK_IF_MATCH(text, `"${weak[1] as string}"`)
  const match = STRONG.exec(text)
  if (match === null) throw new errors.GK_ERR_BAD_IF_MATCH(JSON.stringify(text))
  return Number(match[1])
}
