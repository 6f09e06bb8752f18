import { parseCidr } from '../gate/cidr.js'
import { ownChains } from './render.js'

/**
 * Reading `iptables-save -t filter` and writing the transactions that depend
 * on what is already in place. Pure: the caller runs the commands.
 */
export interface SavedTable {
  chains: Set<string>
  /** chain → its rules in order, each as the text after `-A <chain> ` */
  rules: Map<string, string[]>
}

const APPEND = /^-A (\S+) (.*)$/
const JUMP_FIRST = /^-I (\S+) 1 -j (\S+)$/

export function parseSavedTable (text: string, table = 'filter'): SavedTable {
  const saved: SavedTable = { chains: new Set(), rules: new Map() }
  let current: string | null = null
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('*')) {
      current = line.slice(1)
    } else if (line === 'COMMIT') {
      current = null
    } else if (current === table) {
      if (line.startsWith(':')) {
        saved.chains.add(line.slice(1).split(' ')[0] as string)
      } else {
        const append = APPEND.exec(line)
        if (append !== null) rulesOf(saved, append[1] as string).push(append[2] as string)
      }
    }
  }
  return saved
}

function rulesOf (saved: SavedTable, chain: string): string[] {
  let rules = saved.rules.get(chain)
  if (rules === undefined) {
    rules = []
    saved.rules.set(chain, rules)
  }
  return rules
}

const ADDRESS_OPTIONS = ['-s', '-d', '--source', '--destination']
const WHOLE_SPACE = new Set(['0.0.0.0/0', '::/0'])

/**
 * Whitespace collapsed and addresses canonical, so our text and iptables'
 * compare equal. A match on the whole address space is no match at all:
 * iptables-save leaves it out, so it is left out here too.
 */
export function normaliseRule (spec: string): string {
  const tokens = spec.trim().split(/\s+/)
  const out: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string
    const next = tokens[i + 1]
    if (!ADDRESS_OPTIONS.includes(token) || next === undefined) {
      out.push(token)
      continue
    }
    let address = next
    try {
      address = parseCidr(next).text
    } catch {
      // a name or a list iptables would have resolved: compared as written
    }
    if (WHOLE_SPACE.has(address) && out[out.length - 1] !== '!') {
      i++
      continue
    }
    out.push(token, address)
    i++
  }
  return out.join(' ')
}

function jumpTarget (spec: string): string | null {
  const tokens = spec.split(/\s+/)
  const at = tokens.findIndex(token => token === '-j' || token === '--jump' || token === '-g' || token === '--goto')
  return at === -1 ? null : tokens[at + 1] ?? null
}

/**
 * The rendered ruleset made safe to apply twice: a jump that is already the
 * first and only jump to our chain is left alone, any other copy of it is
 * deleted in the same transaction before it is inserted again at the top.
 */
export function transactionFor (rendered: string, current: SavedTable): string {
  const out: string[] = []
  for (const line of rendered.split('\n')) {
    const jump = JUMP_FIRST.exec(line)
    if (jump === null) {
      out.push(line)
      continue
    }
    const [, builtin, target] = jump as unknown as [string, string, string]
    const rules = current.rules.get(builtin) ?? []
    const jumps = rules.filter(spec => jumpTarget(spec) === target)
    if (jumps.length === 1 && normaliseRule(rules[0] ?? '') === `-j ${target}`) continue
    for (const spec of jumps) out.push(`-D ${builtin} ${spec}`)
    out.push(line)
  }
  return out.join('\n')
}

/** How the rules in place differ from the rendered ones; empty when they match. */
export function differences (rendered: string, current: SavedTable, chainPrefix: string): string[] {
  const expected = parseSavedTable(rendered)
  const found: string[] = []
  for (const { name, from } of ownChains(chainPrefix)) {
    if (!current.chains.has(name)) {
      found.push(`chain ${name} is missing`)
      continue
    }
    const want = (expected.rules.get(name) ?? []).map(normaliseRule)
    const have = (current.rules.get(name) ?? []).map(normaliseRule)
    for (let i = 0; i < Math.max(want.length, have.length); i++) {
      if (want[i] === have[i]) continue
      found.push(`${name} rule ${i + 1}: expected ${quoted(want[i])}, found ${quoted(have[i])}`)
      break
    }
    if (from === null) continue
    const builtinRules = current.rules.get(from) ?? []
    const jumps = builtinRules.filter(spec => jumpTarget(spec) === name).length
    if (jumps !== 1) {
      found.push(`${from} jumps to ${name} ${jumps} times, expected once`)
    } else if (normaliseRule(builtinRules[0] ?? '') !== `-j ${name}`) {
      found.push(`${from} does not start with the jump to ${name}: a rule before it decides first`)
    }
  }
  return found
}

function quoted (rule: string | undefined): string {
  return rule === undefined ? 'no rule' : JSON.stringify(rule)
}

/**
 * Removes Gatekeeper's chains and every rule that jumps to them, nothing
 * else. Null when there is nothing to remove.
 */
export function clearTransaction (current: SavedTable, chainPrefix: string): string | null {
  const own: string[] = ownChains(chainPrefix).map(chain => chain.name).filter(name => current.chains.has(name))
  if (own.length === 0) return null
  const lines = ['*filter']
  for (const [chain, specs] of current.rules) {
    if (own.includes(chain)) continue
    for (const spec of specs) {
      const target = jumpTarget(spec)
      if (target !== null && own.includes(target)) lines.push(`-D ${chain} ${spec}`)
    }
  }
  for (const name of own) lines.push(`-F ${name}`)
  for (const name of own) lines.push(`-X ${name}`)
  lines.push('COMMIT', '')
  return lines.join('\n')
}
