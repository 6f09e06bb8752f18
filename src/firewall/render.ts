import { errors } from '../errors.js'
import { parseCidr, type Cidr } from '../gate/cidr.js'
import { MAX_ALLOWLIST_ENTRIES } from '../state/limits.js'
import type { Mode } from '../state/types.js'
import type { FirewallConfig, ProtectedPort, WhenClosed, WhenOpen } from './config.js'
import { DEFAULT_SITE } from '../sites/config.js'
import { mergedBlocks } from './merged-blocks.js'

export interface RulesetInput {
  /** the top-level state's (`default`'s): the ports that name no site follow it */
  mode: Mode
  /** canonical CIDRs, already filtered for expiry; IPv4 and IPv6 mixed */
  allowlist: string[]
  /**
   * The mode of each site a port names (`ports[].site`). A port whose site
   * is missing here is rendered as `closed`: a state not known is never
   * taken as open.
   */
  sites?: Readonly<Record<string, Mode>>
}

/** The mode a port follows: its site's, else the top-level one. */
export function modeOfPort (port: Pick<ProtectedPort, 'site'>, input: Pick<RulesetInput, 'mode' | 'sites'>): Mode {
  if (port.site === undefined || port.site === DEFAULT_SITE) return input.mode
  return (Object.hasOwn(input.sites ?? {}, port.site) ? input.sites?.[port.site] : undefined) ?? 'closed'
}

/** iptables-restore input, one per family. */
export interface Ruleset {
  v4: string
  v6: string
}

export type Family = 'v4' | 'v6'

export const FAMILIES: readonly Family[] = ['v4', 'v6']

/**
 * Gatekeeper's chains, and the built-in chain that jumps to each; the
 * allowlist chain is entered from Gatekeeper's INPUT chain only.
 */
export function ownChains (chainPrefix: string) {
  return [
    { name: `${chainPrefix}-INPUT`, from: 'INPUT' },
    { name: `${chainPrefix}-OUTPUT`, from: 'OUTPUT' },
    { name: `${chainPrefix}-ALLOW`, from: null }
  ] as const
}

/**
 * The whole of Gatekeeper's rules for one state. Both chains are always
 * declared, so each apply replaces them entirely (`:CHAIN` flushes a chain
 * under `--noflush`); the jumps are inserted first in INPUT and OUTPUT so a
 * host rule that accepts a port cannot let traffic around them. Rules only
 * ever RETURN or DROP/REJECT: Gatekeeper narrows what the host allows and
 * never opens anything the host's own rules close.
 *
 * The allowlist is written once per family, into its own chain, as the
 * fewest blocks that cover it: every allowlist-only port jumps there, where
 * a listed source RETURNs (back to Gatekeeper's INPUT chain, whose
 * remaining rules are for other ports) and anyone else is dropped.
 *
 * Rules are written in the form iptables-save prints them, which keeps the
 * check after an apply a plain comparison.
 */
export function renderRuleset (config: FirewallConfig, input: RulesetInput): Ruleset {
  if (input.allowlist.length > MAX_ALLOWLIST_ENTRIES) {
    throw new errors.GK_ERR_ALLOWLIST_FULL(MAX_ALLOWLIST_ENTRIES, `the firewall was given ${input.allowlist.length}`)
  }
  const allowlist = input.allowlist.map(text => parseCidr(text))
  return {
    v4: renderFamily(config, input, allowlist, 'v4'),
    v6: renderFamily(config, input, allowlist, 'v6')
  }
}

function renderFamily (config: FirewallConfig, state: RulesetInput, allowlist: Cidr[], family: Family): string {
  const { mode } = state
  const policyOf = (port: ProtectedPort): WhenClosed | WhenOpen => modeOfPort(port, state) === 'open' ? port.whenOpen : port.whenClosed
  const [input, output, allow] = ownChains(config.chainPrefix)
  const inFamily = (cidr: Cidr): boolean => (cidr.family === 4) === (family === 'v4')
  const entries = allowlist.filter(inFamily).length
  // an allowlist no port consults in this mode is not written: an open site's apply stays small
  const consulted = config.ports.some(port => policyOf(port) === 'allowlist-only')
  const blocks = consulted ? mergedBlocks(allowlist, family === 'v4' ? 4 : 6) : []
  const rules: string[] = []

  const guard = config.upstreamPort
  if (guard !== null) {
    rules.push(`-A ${input.name} ! -i lo -p tcp -m tcp --dport ${guard.port} -j DROP`)
    // only connection attempts are judged: segments the kernel sends on its own carry no owner
    const attempt = `-o lo -p tcp -m tcp --dport ${guard.port} --tcp-flags FIN,SYN,RST,ACK SYN`
    for (const uid of guard.allowUids) rules.push(`-A ${output.name} ${attempt} -m owner --uid-owner ${uid} -j RETURN`)
    rules.push(`-A ${output.name} ${attempt} -j REJECT --reject-with tcp-reset`)
  }

  for (const port of config.ports) {
    const policy = policyOf(port)
    if (policy === 'open') continue
    const always = port.alwaysAllow.map(text => parseCidr(text)).filter(inFamily).map(cidr => cidr.text)
    for (const source of new Set(always)) rules.push(`-A ${input.name} ${sourceMatch(source)}${match(port)} -j RETURN`)
    rules.push(`-A ${input.name} ${match(port)} -j ${policy === 'allowlist-only' ? allow.name : 'DROP'}`)
  }
  for (const block of blocks) rules.push(`-A ${allow.name} ${sourceMatch(block)}-j RETURN`)
  rules.push(`-A ${allow.name} -j DROP`)

  const ports = mode === 'open' ? 'ports as whenOpen' : 'ports as whenClosed'
  const siteNames = [...new Set(config.ports.flatMap(port => port.site === undefined || port.site === DEFAULT_SITE ? [] : [port.site]))]
  const sites = siteNames.map(name => `, site ${name} ${modeOfPort({ site: name }, state)}`).join('')
  const familyName = family === 'v4' ? 'IPv4' : 'IPv6'
  return [
    `# Gatekeeper ${familyName}: mode ${mode} (${ports})${sites}, ${entries} ${familyName} allowlist entr${entries === 1 ? 'y' : 'ies'}` +
      (consulted ? ` in ${blocks.length} block${blocks.length === 1 ? '' : 's'}` : ', consulted by no port in this mode'),
    '*filter',
    `:${input.name} - [0:0]`,
    `:${output.name} - [0:0]`,
    `:${allow.name} - [0:0]`,
    ...rules,
    `-I INPUT 1 -j ${input.name}`,
    `-I OUTPUT 1 -j ${output.name}`,
    'COMMIT',
    ''
  ].join('\n')
}

/** iptables-save prints no `-s` for the whole address space, so neither do we. */
function sourceMatch (cidr: string): string {
  return cidr === '0.0.0.0/0' || cidr === '::/0' ? '' : `-s ${cidr} `
}

function match (port: ProtectedPort): string {
  return `-p ${port.proto} -m ${port.proto} --dport ${port.port}`
}
