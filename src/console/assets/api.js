// The admin API as the console calls it. The token travels only in the
// Authorization header: no cookie is involved, so another site's page cannot
// make the browser send a call on the operator's behalf.

export class ApiError extends Error {
  constructor (status, body) {
    const message = body !== null && typeof body === 'object' && typeof body.message === 'string' ? body.message : `the admin API answered ${status}`
    super(message)
    this.status = status
    this.code = body !== null && typeof body === 'object' && typeof body.code === 'string' ? body.code : `HTTP_${status}`
  }
}

/**
 * A caller bound to one token. `version` becomes If-Match: a change is
 * applied only to the state the operator was looking at.
 */
export function createApi (token) {
  return async function call (method, path, { body, version } = {}) {
    const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    if (version !== undefined) headers['If-Match'] = `"${version}"`
    let response
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        redirect: 'error'
      })
    } catch (err) {
      throw new ApiError(0, { code: 'NETWORK', message: 'the gatekeeper cannot be reached' })
    }
    const text = await response.text()
    let data = null
    try {
      data = text === '' ? null : JSON.parse(text)
    } catch (err) {
      data = { message: text.slice(0, 200) }
    }
    if (!response.ok) throw new ApiError(response.status, data)
    return data
  }
}
