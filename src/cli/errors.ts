import { errors } from '../errors.js'

/**
 * Failures the CLI finds on its own side of the wire, from the one table in
 * src/errors.ts. Refusals by the admin API keep the API's own code and
 * message (see AdminRefusal in client.ts).
 */
export const cliErrors = {
  GK_ERR_USAGE: errors.GK_ERR_USAGE,
  GK_ERR_ADMIN_UNREACHABLE: errors.GK_ERR_ADMIN_UNREACHABLE,
  GK_ERR_WAIT_TIMEOUT: errors.GK_ERR_WAIT_TIMEOUT,
  GK_ERR_INTERRUPTED: errors.GK_ERR_INTERRUPTED
} as const

export function usageError (message: string): Error {
  return new cliErrors.GK_ERR_USAGE(message)
}
