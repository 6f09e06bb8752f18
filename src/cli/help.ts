import type { Command } from './command.js'
import { EXIT } from './exit-codes.js'

/** `gatekeeper help`: every command on one screen, then where the connection comes from and what the exit codes mean. */
export function overallHelp (adminCommands: readonly Command[], processCommands: ReadonlyArray<readonly [string, string]>): string {
  const rows: Array<[string, string]> = []
  for (const command of adminCommands) {
    if (command.subcommands === undefined) rows.push([command.name, command.summary])
    else for (const sub of command.subcommands) rows.push([sub.name, sub.summary])
  }
  const width = Math.max(...rows.map(([name]) => name.length), ...processCommands.map(([name]) => name.length)) + 2
  const list = (entries: ReadonlyArray<readonly [string, string]>): string => entries.map(([name, summary]) => `  ${name.padEnd(width)}${summary}`).join('\n')
  return `gatekeeper — the gate in front of an application during an upgrade window

Usage: gatekeeper <command> [options]      gatekeeper <command> --help for its options

The site:
${list(rows)}

The process:
${list(processCommands)}

The admin API is GATEKEEPER_URL (default http://127.0.0.1:8081) or --url; the token
is GATEKEEPER_TOKEN, --token-file or --token (it is never printed). A table is
printed by default, the API's JSON with --json; progress and warnings go to stderr.

Exit codes:
  ${EXIT.ok}    done (with --wait: confirmed)
  ${EXIT.refused}    the admin API refused the call; its message is printed
  ${EXIT.usage}    bad command line; nothing was sent
  ${EXIT.unreachable}    the admin API cannot be reached (or something else answered at the URL)
  ${EXIT.timedOut}    timed out waiting (--wait, ramp watch)
  ${EXIT.unauthorised}    the token is missing or wrong, or a viewer token asked for a change
  ${EXIT.conflict}    --if-match: the state moved past that version first
  ${EXIT.rampStopped}    ramp watch: the ramp was aborted or superseded instead of completing
  ${EXIT.interrupted}  interrupted (Ctrl-C)
`
}
