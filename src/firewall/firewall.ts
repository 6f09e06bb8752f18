import { createIptables, type IptablesOptions } from './apply.js'
import type { FirewallConfig } from './config.js'
import { requestRuleset } from './helper-client.js'
import type { FirewallLogger } from './logger.js'
import { renderRuleset, type RulesetInput } from './render.js'

export interface SyncResult {
  ok: boolean
  error?: string
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
        const result: SyncResult = await Promise.resolve(job.input).then(applyOnce).then(
          () => ({ ok: true }),
          (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) })
        )
        if (result.ok) {
          retryMs = firstRetryMs
          health = { ok: true, appliedAt: new Date().toISOString() }
          logger.info({ mode: job.input.mode, allowlist: job.input.allowlist.length }, 'firewall rules follow the state')
        } else {
          // the rules from the last good apply are still in place; keep saying when that was
          health = { ok: false, message: `firewall apply failed: ${result.error}`, ...(health.appliedAt === undefined ? {} : { appliedAt: health.appliedAt }) }
          logger.error({ mode: job.input.mode, error: result.error, retryInMs: retryMs }, 'firewall rules not applied; the previous rules stay in place')
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

function direct (config: FirewallConfig, options: IptablesOptions | undefined): (input: RulesetInput) => Promise<void> {
  const iptables = createIptables(options)
  return async input => { await iptables.apply(renderRuleset(config, input), config.chainPrefix) }
}

function viaHelper (config: FirewallConfig): (input: RulesetInput) => Promise<void> {
  return async input => {
    const response = await requestRuleset(config.helperSocket, input)
    if (!response.ok) throw new Error(response.error ?? 'the helper refused the state without saying why')
  }
}

function disabledFirewall (): Firewall {
  return {
    sync: async () => ({ ok: true }),
    health: () => ({ ok: true, message: 'firewall disabled' }),
    close: async () => {}
  }
}
