import { errors } from '../errors.js'
import { AdminRefusal } from './client.js'
import { wantsHelp, type Command, type Io } from './command.js'
import { EXIT } from './exit-codes.js'

/**
 * Runs one admin command and turns whatever went wrong into a message on
 * stderr and the exit code a script relies on (src/cli/exit-codes.ts).
 */
export async function runCommand (command: Command, args: string[], io: Io): Promise<number> {
  const sub = command.subcommands?.find((candidate) => candidate.name === `${command.name} ${args[0] ?? ''}`)
  if (sub !== undefined) return await runCommand(sub, args.slice(1), io)
  if (command.subcommands === undefined && wantsHelp(args)) {
    io.out(command.help)
    return EXIT.ok
  }
  try {
    return await command.run(args, io)
  } catch (err) {
    const code = exitCodeOf(err)
    io.err(`${describe(command.name, err)}\n`)
    if (args.includes('--json')) io.out(JSON.stringify(errorDocument(err, code)) + '\n')
    return code
  }
}

export function exitCodeOf (err: unknown): number {
  if (err instanceof AdminRefusal) {
    if (err.statusCode === 401 || err.statusCode === 403) return EXIT.unauthorised
    if (err.statusCode === 412) return EXIT.conflict
    if (err.statusCode === 504 && err.code === 'GK_ERR_TIMEOUT') return EXIT.timedOut
    return EXIT.refused
  }
  switch ((err as { code?: unknown } | null)?.code) {
    case 'GK_ERR_USAGE': return EXIT.usage
    case 'GK_ERR_ADMIN_UNREACHABLE': return EXIT.unreachable
    case 'GK_ERR_WAIT_TIMEOUT': return EXIT.timedOut
    case 'GK_ERR_INTERRUPTED': return EXIT.interrupted
    default: return EXIT.refused
  }
}

function describe (name: string, err: unknown): string {
  if (err instanceof AdminRefusal) {
    // a wait's 504 names its laggards in the message itself
    let text = `gatekeeper ${name}: refused by the admin API (${err.statusCode} ${err.code}): ${err.message}`
    if (err.statusCode === 401) text += '\n  the token comes from --token, --token-file or GATEKEEPER_TOKEN'
    return text
  }
  const code = (err as { code?: unknown } | null)?.code
  const message = err instanceof Error ? err.message : String(err)
  if (code === 'GK_ERR_USAGE') return message.startsWith('gatekeeper ') ? `${message}\n  see: gatekeeper ${name} --help` : `gatekeeper ${name}: ${message}`
  if (typeof code === 'string' && code.startsWith('GK_ERR_')) return `gatekeeper ${name}: ${message}`
  return `gatekeeper ${name}: unexpected error: ${err instanceof Error ? err.stack ?? message : message}`
}

/** With --json, a failure is a JSON document too: the API's own error, or one in the same shape. */
function errorDocument (err: unknown, exitCode: number): Record<string, unknown> {
  if (err instanceof AdminRefusal) return { ...err.body, exitCode }
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && code.startsWith('GK_')) return { code, message: (err as Error).message, exitCode }
  return { code: 'GK_ERR_CLI', message: new errors.GK_ERR_CLI(err instanceof Error ? err.message : String(err)).message, exitCode }
}
