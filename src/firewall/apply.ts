import { spawn } from 'node:child_process'
import { firewallErrors } from './errors.js'
import { FAMILIES, ownChains, type Family, type Ruleset } from './render.js'
import { clearTransaction, differences, parseSavedTable, transactionFor, type SavedTable } from './saved-rules.js'

export interface IptablesOptions {
  /**
   * Put before every command, e.g. `['ip', 'netns', 'exec', 'gk-test']`:
   * the tests run the same code inside a network namespace of their own.
   */
  exec?: string[]
  /** how long one iptables command may take, lock wait included */
  timeoutMs?: number
}

/** Drives Debian's iptables-restore and iptables-save; never through a shell. */
export interface Iptables {
  /**
   * Replaces Gatekeeper's chains with the ruleset, one transaction per
   * family, then checks what is in place. A rejected transaction changes
   * nothing in that family (iptables-restore commits a table at once).
   */
  apply (ruleset: Ruleset, chainPrefix: string): Promise<void>
  /** How the rules in place differ from the ruleset, per family; empty when they match. */
  verify (ruleset: Ruleset, chainPrefix: string): Promise<string[]>
  /** Removes Gatekeeper's chains and the jumps to them; returns the families it changed. */
  clear (chainPrefix: string): Promise<Family[]>
  /** Whether any of Gatekeeper's chains exists in either family. */
  present (chainPrefix: string): Promise<boolean>
  save (family: Family): Promise<string>
}

const COMMANDS: Record<Family, { restore: string, save: string }> = {
  v4: { restore: 'iptables-restore', save: 'iptables-save' },
  v6: { restore: 'ip6tables-restore', save: 'ip6tables-save' }
}

const LOCK_WAIT_SECONDS = 5
// iptables-restore takes a few seconds for the largest allowlist on a busy machine, iptables-save about as long
const COMMAND_TIMEOUT_MS = 60_000

export function createIptables (options: IptablesOptions = {}): Iptables {
  const prefix = options.exec ?? []
  const timeoutMs = options.timeoutMs ?? COMMAND_TIMEOUT_MS

  function run (command: string, args: string[], stdin: string): Promise<string> {
    return runCommand([...prefix, command, ...args], stdin, timeoutMs)
  }

  async function save (family: Family): Promise<string> {
    const command = COMMANDS[family].save
    try {
      return await run(command, ['-t', 'filter'], '')
    } catch (err) {
      if (err instanceof CommandFailed) throw new firewallErrors.GK_ERR_FIREWALL_COMMAND(command, err.detail)
      throw err
    }
  }

  async function saved (family: Family): Promise<SavedTable> {
    return parseSavedTable(await save(family))
  }

  async function restore (family: Family, transaction: string, done: Family[]): Promise<void> {
    const command = COMMANDS[family].restore
    try {
      await run(command, ['--noflush', '-w', String(LOCK_WAIT_SECONDS)], transaction)
    } catch (err) {
      if (!(err instanceof CommandFailed)) throw err
      const partly = done.length === 0 ? '' : ` (the ${done.join(', ')} rules were already changed)`
      throw new firewallErrors.GK_ERR_FIREWALL_REJECTED(command, err.detail + partly)
    }
  }

  async function verify (ruleset: Ruleset, chainPrefix: string): Promise<string[]> {
    const found: string[] = []
    for (const family of FAMILIES) {
      for (const difference of differences(ruleset[family], await saved(family), chainPrefix)) found.push(`${family}: ${difference}`)
    }
    return found
  }

  return {
    save,
    verify,
    async apply (ruleset, chainPrefix) {
      const done: Family[] = []
      for (const family of FAMILIES) {
        await restore(family, transactionFor(ruleset[family], await saved(family)), done)
        done.push(family)
      }
      const found = await verify(ruleset, chainPrefix)
      if (found.length > 0) throw new firewallErrors.GK_ERR_FIREWALL_MISMATCH(found.join('; '))
    },
    async clear (chainPrefix) {
      const changed: Family[] = []
      for (const family of FAMILIES) {
        const transaction = clearTransaction(await saved(family), chainPrefix)
        if (transaction === null) continue
        await restore(family, transaction, changed)
        changed.push(family)
      }
      return changed
    },
    async present (chainPrefix) {
      const names: string[] = ownChains(chainPrefix).map(chain => chain.name)
      for (const family of FAMILIES) {
        const table = await saved(family)
        if (names.some(name => table.chains.has(name))) return true
      }
      return false
    }
  }
}

class CommandFailed extends Error {
  constructor (readonly detail: string) {
    super(detail)
  }
}

function runCommand (argv: string[], stdin: string, timeoutMs: number): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]]
  const shown = argv.join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    // a command that exits before reading its input makes the write fail; the exit status says why
    child.stdin.on('error', () => {})
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const hint = err.code === 'ENOENT' ? `${file} is not installed (Debian: apt-get install iptables)` : err.message
      reject(new firewallErrors.GK_ERR_FIREWALL_COMMAND(shown, hint))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const errText = Buffer.concat(stderr).toString('utf8').trim()
      if (timedOut) return reject(new firewallErrors.GK_ERR_FIREWALL_COMMAND(shown, `no answer within ${timeoutMs} ms`))
      if (code === 0) return resolve(Buffer.concat(stdout).toString('utf8'))
      const status = signal !== null ? `killed by ${signal}` : `exit status ${code}`
      reject(new CommandFailed(`${status}${errText === '' ? '' : `: ${errText.replace(/\s*\n\s*/g, ' | ')}`}`))
    })
    child.stdin.end(stdin)
  })
}
