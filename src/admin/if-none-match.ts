/**
 * Whether an If-None-Match header names `etag`: `*`, or any tag of its list,
 * compared weakly (RFC 9110 §13.1.2: `W/"12"` names `"12"`). A GET that it
 * names answers 304 with no body; the caller's copy is current.
 */
export function namedByIfNoneMatch (header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false
  const text = Array.isArray(header) ? header.join(',') : header
  if (text.trim() === '*') return true
  // an entity tag cannot hold a comma, so the list splits on them
  return text.split(',').some((part) => {
    const tag = part.trim()
    return (tag.startsWith('W/') ? tag.slice(2) : tag) === etag
  })
}
