import { errors } from '../errors.js'

/** The firewall's errors, from the one table in src/errors.ts. */
export const firewallErrors = {
  GK_ERR_FIREWALL_REJECTED: errors.GK_ERR_FIREWALL_REJECTED,
  GK_ERR_FIREWALL_MISMATCH: errors.GK_ERR_FIREWALL_MISMATCH,
  GK_ERR_FIREWALL_COMMAND: errors.GK_ERR_FIREWALL_COMMAND,
  GK_ERR_FIREWALL_HELPER: errors.GK_ERR_FIREWALL_HELPER
} as const
