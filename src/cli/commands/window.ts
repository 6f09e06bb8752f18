import { timeArg, type OptionTable } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CONNECTION_HELP, invoke, printJson, type Command, type Invocation } from '../command.js'
import { usageError } from '../errors.js'
import { isRecord, textOf } from '../format.js'
import { renderTable } from '../table.js'

/** A window's sites, one line each: its mode, expected end and version. */
function printWindow (inv: Invocation, body: unknown): number {
  if (inv.json) {
    printJson(inv.io, body)
    return 0
  }
  const answer = isRecord(body) ? body : {}
  const sites = isRecord(answer.sites) ? answer.sites : {}
  const rows = Object.entries(sites).map(([name, state]) => {
    const s = isRecord(state) ? state : {}
    const window = isRecord(s.window) ? s.window : {}
    return [name, textOf(s.mode), textOf(window.end), textOf(s.version), textOf(s.reason)]
  })
  inv.io.out(`window: ${textOf(answer.id)}\n` + renderTable(['site', 'mode', 'until', 'version', 'reason'], rows))
  return 0
}

/** A window is one change on several sites: it waits like any change, though not on one If-Match (each site has its own version). */
const WAIT_OPTIONS: OptionTable = { wait: { type: 'string' }, timeout: { type: 'string' } }

const WAIT_HELP = `  --wait applied|drained   return once every live instance has applied the change on every site of the
                           window (drained: and no public request or websocket is left on them); progress on stderr
  --timeout SECONDS        how long --wait waits (default 10, at most 3600; 90s, 5m also read)`

function sitesOf (window: unknown): string[] {
  return isRecord(window) && isRecord(window.sites) ? Object.keys(window.sites) : []
}

function windowId (command: string, positionals: string[]): string {
  const [id, ...rest] = positionals
  if (id === undefined || rest.length > 0) throw usageError(`gatekeeper ${command}: give one window id (as \`gatekeeper window close\` printed it)`)
  return encodeURIComponent(id)
}

const closeCommand: Command = {
  name: 'window close',
  summary: 'close several sites as one change: all or none',
  help: `Usage: gatekeeper window close SITE SITE... [--reason TEXT] [--until TIME] [--wait applied|drained]

Closes every SITE named as one change (with sites: in the configuration): if
any cannot be closed (an unknown site, a change made meanwhile), none is.
Prints the window's id, for \`gatekeeper window extend\`. Reopen each site on
its own (\`gatekeeper open --site NAME\`).
  -r, --reason TEXT   shown to the public of every site
  --until TIME        the expected end: ISO 8601 with a zone, or a duration from now (2h)
${WAIT_HELP}

Example: gatekeeper window close app1 app2 --reason "Upgrading to 23.1" --wait drained --timeout 120

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { reason: { type: 'string', short: 'r' }, until: { type: 'string' }, ...WAIT_OPTIONS })
    if (inv.parsed.positionals.length === 0) throw usageError(`gatekeeper ${this.name}: name the sites to close`)
    const flags = changeFlagsOf(this.name, inv.parsed)
    const reason = inv.parsed.string('reason')
    const until = inv.parsed.string('until')
    const body = {
      sites: inv.parsed.positionals,
      ...(reason === undefined ? {} : { reason }),
      ...(until === undefined ? {} : { until: timeArg(until, `gatekeeper ${this.name}: --until`, io.now()) })
    }
    return printWindow(inv, (await sendChange(inv, 'POST', '/v1/windows', body, flags, inv.parsed.positionals)).body)
  }
}

const extendCommand: Command = {
  name: 'window extend',
  summary: 'move the expected end of every site of a window',
  help: `Usage: gatekeeper window extend ID --until TIME [--wait applied|drained]

Moves the expected end of every site of the window ("another hour for both").
  --until TIME             the new expected end: ISO 8601 with a zone, or a duration from now (+1h)
${WAIT_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { until: { type: 'string' }, ...WAIT_OPTIONS })
    const id = windowId(this.name, inv.parsed.positionals)
    const until = inv.parsed.string('until')
    if (until === undefined) throw usageError(`gatekeeper ${this.name}: --until TIME is required`)
    const flags = changeFlagsOf(this.name, inv.parsed)
    const body = { until: timeArg(until, `gatekeeper ${this.name}: --until`, io.now()) }
    // the window's sites, each judged on its own version, are only asked for when the change is waited for
    const sites = flags.wait === undefined ? undefined : sitesOf((await inv.client.call('GET', `/v1/windows/${id}`)).body)
    return printWindow(inv, (await sendChange(inv, 'POST', `/v1/windows/${id}/extend`, body, flags, sites)).body)
  }
}

const showCommand: Command = {
  name: 'window show',
  summary: 'a window\'s sites, each with its mode and expected end',
  help: `Usage: gatekeeper window show ID

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    const id = windowId(this.name, inv.parsed.positionals)
    return printWindow(inv, (await inv.client.call('GET', `/v1/windows/${id}`)).body)
  }
}

export const windowCommands: readonly Command[] = [closeCommand, extendCommand, showCommand]
