/**
 * The value of one cookie in a Cookie header, without building a map of
 * them all: this runs on every gated request.
 */
export function readCookie (header: string | undefined, name: string): string | undefined {
  if (header === undefined || header.length === 0) return undefined
  let from = 0
  while (from < header.length) {
    while (header.charCodeAt(from) === 32) from++
    const end = header.indexOf(';', from)
    const stop = end === -1 ? header.length : end
    const eq = header.indexOf('=', from)
    if (eq !== -1 && eq < stop && eq - from === name.length && header.startsWith(name, from)) {
      let value = header.slice(eq + 1, stop).trim()
      if (value.length >= 2 && value.charCodeAt(0) === 34 && value.charCodeAt(value.length - 1) === 34) value = value.slice(1, -1)
      return value
    }
    from = stop + 1
  }
  return undefined
}
