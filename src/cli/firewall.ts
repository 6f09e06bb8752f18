import { parseArgs } from 'node:util'
import { configPath, loadConfig } from '../config/load.js'
import { firewallCommand, FIREWALL_USAGE } from '../firewall/cli.js'
import { parseFirewallConfig } from '../firewall/config.js'
import { MODES, type Mode } from '../state/types.js'
import { createAdminClient } from './client.js'
import type { Command, Io } from './command.js'
import { connectionOf } from './connection.js'
import { cliErrors, usageError } from './errors.js'
import { isRecord, recordsOf, textOf } from './format.js'

const FIREWALL_OPTIONS_HELP = `Options:
  --config FILE   the configuration with the \`firewall\` key (default: GATEKEEPER_CONFIG,
                  else /etc/gatekeeper/gatekeeper.yaml)
  --url, --token, --token-file
                  plan and apply read the mode and the allowlist from the running
                  gatekeeper's admin API (GATEKEEPER_URL, GATEKEEPER_TOKEN)
`

const KNOWN = ['plan', 'apply', 'clear', 'helper']

/**
 * `gatekeeper firewall …`: the configuration from the file, the state from the
 * running gatekeeper (the one every instance serves, whichever store holds
 * it), then src/firewall/cli.ts does the work.
 */
export async function runFirewall (args: string[], io: Io): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      options: { config: { type: 'string', short: 'c' }, url: { type: 'string' }, token: { type: 'string' }, 'token-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true
    })
  } catch (err) {
    throw usageError(`gatekeeper firewall: ${(err as Error).message}`)
  }
  if (parsed.values.help === true) {
    io.out(`${FIREWALL_USAGE}\n\n${FIREWALL_OPTIONS_HELP}`)
    return 0
  }
  const subcommand = parsed.positionals[0]
  const output = { out: (text: string) => io.out(`${text}\n`), err: (text: string) => io.err(`${text}\n`) }
  if (!KNOWN.includes(subcommand ?? '')) {
    // usage and unknown words are firewallCommand's to answer, before any configuration is read
    return await firewallCommand(parsed.positionals, null, { mode: 'closed', allowlist: [] }, output)
  }
  // the firewall uses no secret: its helper runs without the admin tokens in its environment
  const config = await loadConfig(configPath(parsed.values.config, io.env), io.env, { secrets: false })
  const firewallConfig = parseFirewallConfig(config.firewall, 'firewall', config.sites?.map((site) => site.name) ?? null)
  const needsState = subcommand === 'plan' || subcommand === 'apply'
  const state = needsState ? await currentState(parsed.values, io, config.sites !== undefined) : { mode: 'closed' as Mode, allowlist: [] }
  return await firewallCommand(parsed.positionals, firewallConfig, state, output)
}

/**
 * With `sites:`, every site's mode comes from GET /v1/sites (the ports that
 * name a site follow it); `/v1/state` may have no default site to answer for.
 */
async function currentState (values: Record<string, string | boolean | undefined>, io: Io, withSites: boolean): Promise<{ mode: Mode, allowlist: string[], sites?: Record<string, Mode> }> {
  const flags = {
    positionals: [],
    string: (name: string) => typeof values[name] === 'string' ? values[name] : undefined,
    strings: () => [],
    flag: (name: string) => values[name] === true
  }
  const client = createAdminClient(connectionOf(flags, io.env), io.interrupted)
  const modeOf = (value: unknown): Mode | undefined => MODES.find((candidate) => candidate === value)
  let mode: Mode | undefined
  let sites: Record<string, Mode> | undefined
  if (withSites) {
    sites = {}
    for (const site of recordsOf((await client.call('GET', '/v1/sites')).body)) {
      const siteMode = modeOf(site.mode)
      if (typeof site.name !== 'string' || siteMode === undefined) throw new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`${client.where} answered GET /v1/sites with a site without a known mode`)
      sites[site.name] = siteMode
    }
    // no site named default: every port names its site, and the top-level mode closes none
    mode = sites.default ?? 'closed'
  } else {
    const state = (await client.call('GET', '/v1/state')).body
    mode = isRecord(state) ? modeOf(state.mode) : undefined
    if (mode === undefined) throw new cliErrors.GK_ERR_ADMIN_UNREACHABLE(`${client.where} answered GET /v1/state without a known mode`)
  }
  const allowlist = (await client.call('GET', '/v1/allowlist')).body
  const entries = isRecord(allowlist) ? [...recordsOf(allowlist.static), ...recordsOf(allowlist.dynamic).filter((entry) => entry.expired !== true && entry.sites === undefined)] : []
  return { mode, allowlist: entries.map((entry) => textOf(entry.cidr)), ...(sites === undefined ? {} : { sites }) }
}

/** As a command for runCommand: it reads its own --help, like a group. */
export const firewallEntry: Command = {
  name: 'firewall',
  summary: 'keep iptables in step with the mode',
  help: FIREWALL_OPTIONS_HELP,
  run: runFirewall,
  subcommands: []
}
