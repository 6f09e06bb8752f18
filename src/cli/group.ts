import type { Command, Io } from './command.js'
import { usageError } from './errors.js'

/**
 * A command made of subcommands (`ramp start`, `token create`…): the first
 * word picks one; `--help` alone lists them.
 */
export function commandGroup (name: string, summary: string, description: string, subcommands: readonly Command[]): Command {
  const help = `Usage: gatekeeper ${name} <command> [options]

${description}

Commands:
${subcommands.map((sub) => `  ${sub.name.padEnd(Math.max(...subcommands.map((s) => s.name.length)) + 2)}${sub.summary}`).join('\n')}

Run \`gatekeeper ${name} <command> --help\` for the options of each.
`
  return {
    name,
    summary,
    help,
    subcommands,
    async run (args: string[], io: Io) {
      const [word] = args
      const names = subcommands.map((sub) => sub.name.slice(name.length + 1)).join(', ')
      if (word === 'help' || word === '--help' || word === '-h') {
        io.out(help)
        return 0
      }
      if (word === undefined) throw usageError(`gatekeeper ${name}: which one? ${names}`)
      if (word.startsWith('-')) throw usageError(`gatekeeper ${name}: the command comes first (${names}), then ${word}`)
      // a known subcommand never gets here: runCommand hands it its own arguments
      throw usageError(`gatekeeper ${name}: unknown command ${JSON.stringify(word)}; expected one of ${names}`)
    }
  }
}
