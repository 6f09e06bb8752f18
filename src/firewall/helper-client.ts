import { connect } from 'node:net'
import { firewallErrors } from './errors.js'
import type { HelperResponse } from './helper-protocol.js'
import type { RulesetInput } from './render.js'

// the helper's answer waits for its apply and, when that fails, for failing closed: with the largest allowlist, many seconds
const DEFAULT_TIMEOUT_MS = 120_000
const MAX_RESPONSE_BYTES = 64 * 1024

/**
 * Sends one state to the privileged helper and returns its answer. Throws
 * GK_ERR_FIREWALL_HELPER when the helper cannot be reached or answers
 * nonsense; a refusal comes back as `{ok: false, error}`.
 */
export function requestRuleset (socketPath: string, input: RulesetInput, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<HelperResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath)
    const chunks: Buffer[] = []
    let size = 0
    let settled = false

    function fail (why: string): void {
      if (settled) return
      settled = true
      socket.destroy()
      reject(new firewallErrors.GK_ERR_FIREWALL_HELPER(socketPath, why))
    }

    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs} ms`))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'ENOENT' || err.code === 'ECONNREFUSED'
        ? 'not running (systemctl start gatekeeper-firewall)'
        : err.code === 'EACCES' ? 'permission denied (is this user in the gatekeeper group?)' : err.message
      fail(hint)
    })
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      if (size > MAX_RESPONSE_BYTES) fail('the answer is too large')
    })
    socket.on('end', () => {
      if (settled) return
      const text = Buffer.concat(chunks).toString('utf8').trim()
      let response: unknown
      try {
        response = JSON.parse(text)
      } catch {
        return fail(`the answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`)
      }
      if (!isHelperResponse(response)) return fail(`the answer has no ok/applied: ${JSON.stringify(text.slice(0, 200))}`)
      settled = true
      socket.end()
      resolve(response)
    })
    socket.end(`${JSON.stringify({ mode: input.mode, allowlist: input.allowlist, ...(input.sites === undefined ? {} : { sites: input.sites }) })}\n`)
  })
}

function isHelperResponse (value: unknown): value is HelperResponse {
  if (typeof value !== 'object' || value === null) return false
  const response = value as Record<string, unknown>
  return typeof response.ok === 'boolean' && typeof response.applied === 'boolean' &&
    (response.error === undefined || typeof response.error === 'string') &&
    (response.appliedAt === undefined || typeof response.appliedAt === 'string') &&
    (response.failedClosed === undefined || typeof response.failedClosed === 'boolean')
}
