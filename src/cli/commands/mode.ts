import { CHANGE_OPTIONS, durationSeconds, expectPositionals, percentArg, timeArg, type OptionTable } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CHANGE_HELP, CONNECTION_HELP, invoke, printJson, type Command, type Io } from '../command.js'
import { isRecord } from '../format.js'
import { renderState } from '../state-view.js'
import { FORCE_HELP, FORCE_OPTION, SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'

interface ModeCall {
  name: string
  summary: string
  usage: string
  path: string
  options: OptionTable
  positionals: readonly string[]
  body (values: { string (name: string): string | undefined, flag (name: string): boolean }, positionals: string[], now: number): Record<string, unknown>
}

/** The four mode changes share one shape: read flags, build the body, send, print the new state. */
function modeCommand (call: ModeCall): Command {
  return {
    name: call.name,
    summary: call.summary,
    help: `${call.usage}\n${SITE_HELP}\n\n${CHANGE_HELP}\n\n${CONNECTION_HELP}\n`,
    async run (args: string[], io: Io) {
      const inv = invoke(call.name, args, io, { ...call.options, ...CHANGE_OPTIONS, ...SITE_OPTION })
      const path = sitePath(call.name, inv.parsed.string('site'), call.path)
      const positionals = expectPositionals(call.name, inv.parsed, call.positionals)
      const flags = changeFlagsOf(call.name, inv.parsed)
      const body = call.body(inv.parsed, positionals, io.now())
      const answer = await sendChange(inv, 'POST', path, Object.keys(body).length === 0 ? undefined : body, flags)
      if (inv.json) printJson(io, answer.body)
      else if (isRecord(answer.body)) io.out(renderState(answer.body, io.now()))
      return 0
    }
  }
}

const REASON = { reason: { type: 'string', short: 'r' } } as const
const UNTIL = { until: { type: 'string' } } as const
const FORCE = FORCE_OPTION

export const closeCommand = modeCommand({
  name: 'close',
  summary: 'close the site: the public gets the maintenance page',
  usage: `Usage: gatekeeper close [--reason TEXT] [--until TIME] [--retry-after SECONDS]

Closes the site. The allowlist and bypass-token holders still get through.
  -r, --reason TEXT        shown to the public on the maintenance page
  --until TIME             the expected end: ISO 8601 with a zone (2026-11-22T06:00:00Z)
                           or a duration from now (2h, +90m); drives Retry-After and the countdown
  --retry-after SECONDS    Retry-After when there is no --until (90, 15m, 1h)

Example: gatekeeper close --reason "Upgrading to 23.1" --until 2h --wait drained --timeout 120`,
  path: '/v1/close',
  options: { ...REASON, ...UNTIL, 'retry-after': { type: 'string' } },
  positionals: [],
  body (values, _positionals, now) {
    const body: Record<string, unknown> = {}
    const reason = values.string('reason')
    const until = values.string('until')
    const retryAfter = values.string('retry-after')
    if (reason !== undefined) body.reason = reason
    if (until !== undefined) body.until = timeArg(until, 'gatekeeper close: --until', now)
    if (retryAfter !== undefined) body.retryAfter = durationSeconds(retryAfter, 'gatekeeper close: --retry-after', 1, 604800)
    return body
  }
})

export const openCommand = modeCommand({
  name: 'open',
  summary: 'open the site to everyone at once',
  usage: `Usage: gatekeeper open

Opens the site to everyone. To reopen gradually, use \`gatekeeper ramp start\`.
${FORCE_HELP}`,
  path: '/v1/open',
  options: { ...FORCE },
  positionals: [],
  body: (values) => values.flag('force') ? { force: true } : {}
})

export const readOnlyCommand = modeCommand({
  name: 'read-only',
  summary: 'let the public read (GET, HEAD, OPTIONS) but not write',
  usage: `Usage: gatekeeper read-only [--reason TEXT] [--until TIME]

The public may read (GET, HEAD, OPTIONS); anything that writes gets the maintenance answer.
  -r, --reason TEXT   shown to the public
  --until TIME        the expected end: ISO 8601 with a zone, or a duration from now (2h)`,
  path: '/v1/read-only',
  options: { ...REASON, ...UNTIL },
  positionals: [],
  body (values, _positionals, now) {
    const body: Record<string, unknown> = {}
    const reason = values.string('reason')
    const until = values.string('until')
    if (reason !== undefined) body.reason = reason
    if (until !== undefined) body.until = timeArg(until, 'gatekeeper read-only: --until', now)
    return body
  }
})

export const stageCommand = modeCommand({
  name: 'stage',
  summary: 'admit a share of the public (0-100 %, two decimals)',
  usage: `Usage: gatekeeper stage PERCENT [--reason TEXT] [--until TIME]

Admits PERCENT of the public (0 to 100, two decimals: 5, 12.5, 25%). A client
keeps its place: raising PERCENT never turns away one already admitted.
  -r, --reason TEXT   shown to those still held
  --until TIME        the expected end: ISO 8601 with a zone, or a duration from now (2h)
${FORCE_HELP}`,
  path: '/v1/stage',
  options: { ...REASON, ...UNTIL, ...FORCE },
  positionals: ['percent'],
  body (values, positionals, now) {
    const body: Record<string, unknown> = { percent: percentArg(positionals[0] as string, 'gatekeeper stage: PERCENT') }
    if (values.flag('force')) body.force = true
    const reason = values.string('reason')
    const until = values.string('until')
    if (reason !== undefined) body.reason = reason
    if (until !== undefined) body.until = timeArg(until, 'gatekeeper stage: --until', now)
    return body
  }
})
