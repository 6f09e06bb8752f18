/**
 * Reasons Gatekeeper writes into a state itself, for the operator: they name
 * the store's trouble, which is no business of the public. The maintenance
 * page shows neutral words instead (src/runtime/maintenance.ts); /healthz,
 * GET /v1/state and the logs keep them.
 */

/** An instance serving a closed stand-in while Redis is down (onStoreFailure: closed), or booted without it. */
export const STORE_UNREACHABLE = 'the state store is unreachable'

/** Stored by an instance that found Redis empty after booting without it and without a local copy. */
export const NOTHING_KNOWN = 'the state was lost while the state store was unreachable; open the site again once it is safe'

/**
 * Stored by an instance that found no state document, no local copy of its
 * own, and an audit history: Redis lost the state of a running deployment,
 * which is not a fresh install.
 */
export const STATE_MISSING = 'the state was missing from the state store; open the site again once it is safe'

/** The file store's state file is gone while its audit log holds history: not a fresh install either. */
export const STATE_FILE_MISSING = 'state file missing: audit history exists'

export const OPERATOR_ONLY_REASONS: ReadonlySet<string> = new Set([STORE_UNREACHABLE, NOTHING_KNOWN, STATE_MISSING, STATE_FILE_MISSING])
