import createError from '@fastify/error'

/**
 * Failures the CLI finds on its own side of the wire. Refusals by the admin
 * API keep the API's own code and message (see AdminRefusal in client.ts).
 */
export const cliErrors = {
  GK_ERR_USAGE: createError('GK_ERR_USAGE', '%s', 400),
  GK_ERR_ADMIN_UNREACHABLE: createError('GK_ERR_ADMIN_UNREACHABLE', '%s', 502),
  GK_ERR_WAIT_TIMEOUT: createError('GK_ERR_WAIT_TIMEOUT', '%s', 504),
  GK_ERR_INTERRUPTED: createError('GK_ERR_INTERRUPTED', '%s', 499)
} as const

export function usageError (message: string): Error {
  return new cliErrors.GK_ERR_USAGE(message)
}
