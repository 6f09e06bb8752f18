import { createIptables, type IptablesOptions } from './apply.js'
import { DEFAULT_CHAIN_PREFIX, type FirewallConfig } from './config.js'
import { createFirewall } from './firewall.js'
import { startHelperServer } from './helper-server.js'
import type { FirewallLogger } from './logger.js'
import { renderRuleset, type RulesetInput } from './render.js'

export interface FirewallCommandOptions {
  iptables?: IptablesOptions
  out?: (text: string) => void
  err?: (text: string) => void
  logger?: FirewallLogger
  /** stops `helper` like SIGTERM does */
  signal?: AbortSignal
}

export const FIREWALL_USAGE = `usage: gatekeeper firewall <command>
  plan     print the iptables-restore input for the current state; applies nothing
  apply    make the rules follow the current state now
  clear    remove Gatekeeper's chains and the jumps to them, and nothing else
  helper   run the privileged helper in the foreground until SIGTERM`

/**
 * `gatekeeper firewall plan|apply|clear|helper`; returns the exit code.
 * The caller loads the configuration and the current state.
 */
export async function firewallCommand (
  argv: string[],
  config: FirewallConfig | null,
  state: RulesetInput,
  options: FirewallCommandOptions = {}
): Promise<number> {
  const out = options.out ?? ((text: string) => { process.stdout.write(`${text}\n`) })
  const err = options.err ?? ((text: string) => { process.stderr.write(`${text}\n`) })
  const logger = options.logger ?? lineLogger(err)
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help') {
    out(FIREWALL_USAGE)
    return command === undefined ? 2 : 0
  }
  if (rest.length > 0) {
    err(`gatekeeper firewall ${command}: unexpected argument ${JSON.stringify(rest[0])}\n${FIREWALL_USAGE}`)
    return 2
  }
  try {
    switch (command) {
      case 'plan': {
        if (config === null) return notConfigured(err)
        const ruleset = renderRuleset(config, state)
        if (!config.enabled) out('# firewall.enabled is false: these rules are not applied')
        out(`${ruleset.v4}\n# --- ip6tables-restore ---\n${ruleset.v6}`)
        return 0
      }
      case 'apply': {
        if (config === null) return notConfigured(err)
        if (!config.enabled) {
          err('gatekeeper firewall apply: firewall.enabled is false; set it to true first')
          return 1
        }
        const firewall = createFirewall(config, logger, { iptables: options.iptables })
        const result = await firewall.sync(state)
        await firewall.close()
        if (!result.ok) {
          err(`gatekeeper firewall apply: ${result.error}`)
          return 1
        }
        out(`firewall rules applied for mode ${state.mode} with ${state.allowlist.length} allowlist entries`)
        return 0
      }
      case 'clear': {
        const chainPrefix = config?.chainPrefix ?? DEFAULT_CHAIN_PREFIX
        const changed = await createIptables(options.iptables).clear(chainPrefix)
        out(changed.length === 0
          ? `no ${chainPrefix}-* chains were in place; nothing changed`
          : `removed the ${chainPrefix}-INPUT/-OUTPUT/-ALLOW chains and their jumps (${changed.join(', ')})`)
        if (config?.enabled === true) err('note: a running gatekeeper puts the rules back on its next state change; stop it or set firewall.enabled: false to keep them off')
        return 0
      }
      case 'helper': {
        if (config === null) return notConfigured(err)
        const helper = await startHelperServer({ config, logger, iptables: options.iptables })
        await stopRequested(options.signal)
        await helper.close()
        return 0
      }
      default:
        err(`gatekeeper firewall: unknown command ${JSON.stringify(command)}\n${FIREWALL_USAGE}`)
        return 2
    }
  } catch (error) {
    err(`gatekeeper firewall ${command}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

function notConfigured (err: (text: string) => void): number {
  err('gatekeeper firewall: the configuration has no `firewall` key, so the firewall is off (see the README\'s firewall section)')
  return 1
}

function stopRequested (signal: AbortSignal | undefined): Promise<void> {
  return new Promise(resolve => {
    const stop = (): void => {
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      signal?.removeEventListener('abort', stop)
      resolve()
    }
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
    if (signal?.aborted === true) return stop()
    signal?.addEventListener('abort', stop)
  })
}

/** Without the server's pino logger: one readable line per event on stderr (journald keeps it). */
function lineLogger (write: (text: string) => void): FirewallLogger {
  const line = (level: string) => (detail: Record<string, unknown>, message: string): void => {
    const fields = Object.entries(detail).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ')
    write(`${level} ${message}${fields === '' ? '' : ` ${fields}`}`)
  }
  return { info: line('info'), warn: line('warn'), error: line('error') }
}
