import createError from '@fastify/error'

/**
 * The firewall's own errors. They belong in src/errors.ts; they live here
 * until the lead moves them into the one table.
 */
export const firewallErrors = {
  GK_ERR_FIREWALL_REJECTED: createError('GK_ERR_FIREWALL_REJECTED', '%s rejected the ruleset, the previous rules stay in place: %s', 500),
  GK_ERR_FIREWALL_MISMATCH: createError('GK_ERR_FIREWALL_MISMATCH', 'the rules in place differ from the rules applied: %s', 500),
  GK_ERR_FIREWALL_COMMAND: createError('GK_ERR_FIREWALL_COMMAND', 'cannot run %s: %s', 500),
  GK_ERR_FIREWALL_HELPER: createError('GK_ERR_FIREWALL_HELPER', 'the firewall helper at %s: %s', 502)
} as const
