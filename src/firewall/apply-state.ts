import type { Iptables } from './apply.js'
import type { FirewallConfig } from './config.js'
import { renderRuleset, type RulesetInput } from './render.js'

/** What one apply did; the helper sends it back as its answer. */
export interface ApplyOutcome {
  ok: boolean
  /** the rules for the state are in place */
  applied: boolean
  /** they are not, and the rules for the same mode without any allowlist are */
  failedClosed: boolean
  error?: string
}

/**
 * Puts the rules for a state in place. When they cannot go in (rejected,
 * timed out, not as rendered when read back, an allowlist that cannot be
 * rendered), the rules for the same mode with an empty allowlist go in
 * instead: no port is ever more open than the state asks, an allowlist-only
 * port admits its alwaysAllow sources only, and an entry that was removed
 * is not left admitted by the previous rules.
 */
export async function applyState (iptables: Iptables, config: FirewallConfig, input: RulesetInput): Promise<ApplyOutcome> {
  try {
    await iptables.apply(renderRuleset(config, input), config.chainPrefix)
    return { ok: true, applied: true, failedClosed: false }
  } catch (err) {
    return await failClosed(iptables, config, { mode: input.mode, ...(input.sites === undefined ? {} : { sites: input.sites }) }, messageOf(err))
  }
}

/**
 * The ports for `state` (the top-level mode, and the sites' modes: a site
 * not given is closed), with nobody from the allowlist; `error` says why
 * the full rules are not in place.
 */
export async function failClosed (iptables: Iptables, config: FirewallConfig, state: Omit<RulesetInput, 'allowlist'>, error: string): Promise<ApplyOutcome> {
  try {
    await iptables.apply(renderRuleset(config, { ...state, allowlist: [] }), config.chainPrefix)
    return { ok: false, applied: false, failedClosed: true, error }
  } catch (err) {
    return { ok: false, applied: false, failedClosed: false, error: `${error}; failing closed did not work either: ${messageOf(err)}` }
  }
}

function messageOf (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
