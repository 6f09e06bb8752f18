import { errors } from '../errors.js'
import { MAX_ALLOWLIST_ENTRIES } from '../state/limits.js'
import { createIptables, type IptablesOptions } from './apply.js'
import { applyState, type ApplyOutcome } from './apply-state.js'
import type { FirewallConfig } from './config.js'
import { requestRuleset } from './helper-client.js'
import type { FirewallLogger } from './logger.js'
import type { RulesetInput } from './render.js'

export interface SyncResult {
  ok: boolean
  error?: string
  /** the rules for the state did not go in, and the protected ports were closed to all but alwaysAllow instead */
  failedClosed?: boolean
}

export interface FirewallHealth {
  ok: boolean
  message?: string
  appliedAt?: string
}

export interface Firewall {
  /**
   * Makes the rules follow a state. Calls made while one is being applied
   * collapse into one apply of the latest input; every caller gets the
   * result of the apply that covered its input. Never throws.
   */
  sync (input: RulesetInput): Promise<SyncResult>
  health (): FirewallHealth
  /** Waits for an apply in progress; the rules stay in place, so a stop never opens a port. */
  close (): Promise<void>
}

export interface FirewallOptions {
  /** for `apply: direct`; the tests point it into a network namespace */
  iptables?: IptablesOptions
  /** the first wait before a failed apply is tried again; it doubles up to a minute */
  retryMs?: number
}

const RETRY_MS = 2000
const RETRY_MAX_MS = 60_000

interface Pending {
  input: RulesetInput
  waiters: Array<(result: SyncResult) => void>
}

export function createFirewall (config: FirewallConfig, logger: FirewallLogger, options: FirewallOptions = {}): Firewall {
  if (!config.enabled) return disabledFirewall()
  const applyOnce = config.apply === 'helper' ? viaHelper(config) : direct(config, options.iptables)
  let pending: Pending | null = null
  let draining = false
  let running: Promise<void> = Promise.resolve()
  let closed = false
  let health: FirewallHealth = { ok: false, message: 'no ruleset applied yet' }
  const firstRetryMs = options.retryMs ?? RETRY_MS
  let retryMs = firstRetryMs
  let retryTimer: NodeJS.Timeout | null = null

  // a helper that restarts, or an xtables lock held too long, must not leave the rules behind the state for good
  function retryLater (input: RulesetInput): void {
    retryTimer = setTimeout(() => {
      retryTimer = null
      if (pending === null) sync(input).catch(() => {})
    }, retryMs)
    retryTimer.unref()
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS)
  }

  // `draining` is cleared in the same turn as the last waiter is called, so a
  // caller that syncs again as soon as its result arrives starts a new drain
  async function drain (): Promise<void> {
    draining = true
    try {
      while (pending !== null) {
        const job: Pending = pending
        pending = null
        const outcome: ApplyOutcome = await Promise.resolve(job.input).then(applyOnce).then(
          (applied) => applied,
          (err: unknown) => ({ ok: false, applied: false, failedClosed: false, error: err instanceof Error ? err.message : String(err) })
        )
        const result: SyncResult = outcome.ok
          ? { ok: true }
          : { ok: false, error: outcome.error ?? 'no reason given', ...(outcome.failedClosed ? { failedClosed: true } : {}) }
        if (result.ok) {
          retryMs = firstRetryMs
          health = { ok: true, appliedAt: new Date().toISOString() }
          logger.info({ mode: job.input.mode, allowlist: job.input.allowlist.length }, 'firewall rules follow the state')
        } else {
          // appliedAt still says when the last full rules went in
          const what = result.failedClosed === true
            ? `firewall apply failed, the protected ports failed closed (mode ${job.input.mode} without the allowlist)`
            : 'firewall apply failed'
          health = { ok: false, message: `${what}: ${result.error}`, ...(health.appliedAt === undefined ? {} : { appliedAt: health.appliedAt }) }
          logger.error({ mode: job.input.mode, error: result.error, failedClosed: result.failedClosed === true, retryInMs: retryMs },
            result.failedClosed === true ? 'firewall rules not applied; the protected ports failed closed' : 'firewall rules not applied')
          if (pending === null && !closed) retryLater(job.input)
        }
        for (const waiter of job.waiters) waiter(result)
      }
    } finally {
      draining = false
    }
  }

  function sync (input: RulesetInput): Promise<SyncResult> {
    if (closed) return Promise.resolve({ ok: false, error: 'the firewall is closed' })
    if (retryTimer !== null) {
      clearTimeout(retryTimer)
      retryTimer = null
    }
    return new Promise(resolve => {
      if (pending === null) {
        pending = { input, waiters: [resolve] }
      } else {
        pending.input = input
        pending.waiters.push(resolve)
      }
      if (!draining) running = drain()
    })
  }

  return {
    sync,
    health () {
      return { ...health }
    },
    async close () {
      closed = true
      if (retryTimer !== null) clearTimeout(retryTimer)
      await running
    }
  }
}

function direct (config: FirewallConfig, options: IptablesOptions | undefined): (input: RulesetInput) => Promise<ApplyOutcome> {
  const iptables = createIptables(options)
  return input => applyState(iptables, config, input)
}

function viaHelper (config: FirewallConfig): (input: RulesetInput) => Promise<ApplyOutcome> {
  return async input => {
    // the helper refuses it, and a request that large might not even reach it whole: ask for the mode alone
    if (input.allowlist.length > MAX_ALLOWLIST_ENTRIES) {
      const error = new errors.GK_ERR_ALLOWLIST_FULL(MAX_ALLOWLIST_ENTRIES, `the firewall was given ${input.allowlist.length}`).message
      const response = await requestRuleset(config.helperSocket, { ...input, allowlist: [] })
      return response.ok
        ? { ok: false, applied: false, failedClosed: true, error }
        : { ok: false, applied: false, failedClosed: false, error: `${error}; failing closed did not work either: ${response.error ?? 'no reason given'}` }
    }
    const response = await requestRuleset(config.helperSocket, input)
    if (response.ok) return { ok: true, applied: true, failedClosed: false }
    return { ok: false, applied: false, failedClosed: response.failedClosed === true, error: response.error ?? 'the helper refused the state without saying why' }
  }
}

function disabledFirewall (): Firewall {
  return {
    sync: async () => ({ ok: true }),
    health: () => ({ ok: true, message: 'firewall disabled' }),
    close: async () => {}
  }
}
