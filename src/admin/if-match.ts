import { errors } from '../errors.js'

/** The version an If-Match header expects, or undefined without one. `"12"` and `12` both read as 12. */
export function expectedVersion (header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined
  const text = Array.isArray(header) ? header.join(',') : header
  const match = /^\s*"?(\d{1,15})"?\s*$/.exec(text)
  if (match === null) throw new errors.GK_ERR_BAD_IF_MATCH(JSON.stringify(text))
  return Number(match[1])
}
