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
}

interface Pending {
  input: RulesetInput
  waiters: Array<(result: SyncResult) => void>
}

export function createFirewall (config: FirewallConfig, logger: FirewallLogger, options: FirewallOptions = {}): Firewall {
  if (!config.enabled) return disabledFirewall()
  const applyOnce = config.apply === 'helper' ? viaHelper(config) : direct(config, options.iptables)
  let pending: Pending | null = null
  let running: Promise<void> | null = null
  let closed = false
  let health: FirewallHealth = { ok: false, message: 'no ruleset applied yet' }

  async function drain (): Promise<void> {
    while (pending !== null) {
      const job: Pending = pending
      pending = null
      const result: SyncResult = await Promise.resolve(job.input).then(applyOnce).then(
        () => ({ ok: true }),
        (err: unknown) => ({ ok: false, error: err instanceof Error ? err.message : String(err) })
      )
      if (result.ok) {
        health = { ok: true, appliedAt: new Date().toISOString() }
        logger.info({ mode: job.input.mode, allowlist: job.input.allowlist.length }, 'firewall rules follow the state')
      } else {
        // the rules from the last good apply are still in place; keep saying when that was
        health = { ok: false, message: `firewall apply failed: ${result.error}`, ...(health.appliedAt === undefined ? {} : { appliedAt: health.appliedAt }) }
        logger.error({ mode: job.input.mode, error: result.error }, 'firewall rules not applied; the previous rules stay in place')
      }
      for (const waiter of job.waiters) waiter(result)
    }
  }

  return {
    sync (input) {
      if (closed) return Promise.resolve({ ok: false, error: 'the firewall is closed' })
      return new Promise(resolve => {
        if (pending === null) {
          pending = { input, waiters: [resolve] }
        } else {
          pending.input = input
          pending.waiters.push(resolve)
        }
        if (running === null) {
          running = drain().finally(() => { running = null })
        }
      })
    },
    health () {
      return { ...health }
    },
    async close () {
      closed = true
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
