import { CONNECTION_OPTIONS, parseCommandArgs, type OptionTable, type ParsedArgs } from './args.js'
import { createAdminClient, type AdminClient } from './client.js'
import { connectionOf } from './connection.js'
import type { ProgressStream } from './progress.js'

/** The process around a command; tests and the bin entry give the real one. */
export interface Io {
  out (text: string): void
  err (text: string): void
  /** progress is drawn here (stderr) */
  progressStream: ProgressStream
  env: NodeJS.ProcessEnv
  now (): number
  /** aborted on Ctrl-C: watches stop and print where things stand */
  interrupted: AbortSignal
}

export interface Command {
  /** as typed: "close", "ramp start" */
  name: string
  /** one line for `gatekeeper help` */
  summary: string
  /** the whole of `gatekeeper <name> --help` */
  help: string
  run (args: string[], io: Io): Promise<number>
  /** a group (`ramp`, `token`…) reads its own --help, since it belongs to the subcommand */
  subcommands?: readonly Command[]
}

/** What a command works with once its arguments are read. */
export interface Invocation {
  parsed: ParsedArgs
  client: AdminClient
  json: boolean
  io: Io
  name: string
}

export function wantsHelp (args: readonly string[]): boolean {
  return args.some((arg) => arg === '--help' || arg === '-h')
}

/** Reads a command's arguments (its own options and the connection's) and opens the client. */
export function invoke (name: string, args: string[], io: Io, options: OptionTable = {}): Invocation {
  const parsed = parseCommandArgs(name, args, { ...CONNECTION_OPTIONS, ...options })
  return { parsed, client: createAdminClient(connectionOf(parsed, io.env), io.interrupted), json: parsed.flag('json'), io, name }
}

/** --json prints what the API answered, as it answered it: one JSON document on stdout. */
export function printJson (io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2) + '\n')
}

/** The help text every admin command ends with. */
export const CONNECTION_HELP = `Connection and output:
  --url URL          the admin API (default: GATEKEEPER_URL, else http://127.0.0.1:8081)
  --token TOKEN      the admin token (default: GATEKEEPER_TOKEN); prefer the variable or --token-file
  --token-file FILE  read the token from FILE
  --json             print the API's answer as JSON on stdout
  -h, --help         this text`

export const CHANGE_HELP = `Change options:
  --if-match VERSION        change only if the state is still at VERSION (exit 6 if it moved)
  --wait applied|drained    return once every live instance has applied the change
                            (drained: and no public request or websocket is left); progress on stderr
  --timeout SECONDS         how long --wait waits (default 10, at most 3600; 90s, 5m also read)`
