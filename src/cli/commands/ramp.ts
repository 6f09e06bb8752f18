import { CHANGE_OPTIONS, durationMs, expectPositionals, type OptionTable, type ParsedArgs } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CHANGE_HELP, CONNECTION_HELP, invoke, printJson, type Command, type Invocation, type Io } from '../command.js'
import { usageError } from '../errors.js'
import { EXIT } from '../exit-codes.js'
import { humanDuration, isRecord, recordsOf, textOf } from '../format.js'
import { abortOnOf, parseStepsArg, RAMP_PLAN_HELP, RAMP_PLAN_OPTIONS } from '../ramp-plan.js'
import { compactDuration, progressLine, rampText, renderState } from '../state-view.js'
import { renderTable } from '../table.js'
import { watchState } from '../watch.js'
import { FORCE_HELP, FORCE_OPTION, SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'

const WATCH_OPTIONS = { for: { type: 'string' }, interval: { type: 'string' } } as const

const WATCH_HELP = `Watching:
  --for DURATION       stop watching after this long (exit 4 if the ramp is still running)
  --interval DURATION  how often to re-read the state (default 1s)`

const startCommand: Command = {
  name: 'ramp start',
  summary: 'reopen gradually: STEPS such as 5%:5m,25%:10m,100%',
  help: `Usage: gatekeeper ramp start [STEPS] [health options] [--watch [--for DURATION]]

Reopens gradually through STEPS, each a percentage of the public and how long
to hold it: 5%:5m,25%:10m,100% admits 5 % for 5 minutes, then 25 % for 10
minutes, then opens the site. Without STEPS, the configuration's ramp.steps.
While it runs, the health gate watches the upstream's answers and aborts
(closes the site) or holds the ramp when they go bad. The site must be closed,
read-only or staged (at or below the first step) to start.
  --watch   follow the ramp until it ends, as \`gatekeeper ramp watch\` does

${RAMP_PLAN_HELP}

${WATCH_HELP}

Example: gatekeeper ramp start 5%:5m,25%:10m,100% --max-5xx 2% --watch

${SITE_HELP} (not with --watch)
${FORCE_HELP}; its steps then never hold for one

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { ...RAMP_PLAN_OPTIONS, ...CHANGE_OPTIONS, ...WATCH_OPTIONS, ...SITE_OPTION, ...FORCE_OPTION, watch: { type: 'boolean', short: 'w' } })
    const path = sitePath(this.name, inv.parsed.string('site'), '/v1/ramp')
    if (inv.parsed.flag('watch') && inv.parsed.string('site') !== undefined) throw usageError(`gatekeeper ${this.name}: --watch follows default only; follow another site with gatekeeper ramp show --site NAME`)
    const [stepsText] = expectPositionals(this.name, inv.parsed, ['steps'], 1)
    const steps = stepsText === undefined ? undefined : parseStepsArg(stepsText, `gatekeeper ${this.name}: STEPS`)
    const abortOn = abortOnOf(inv.parsed, this.name)
    const watch = inv.parsed.flag('watch')
    const watching = watchFlags(this.name, inv.parsed, watch)
    const flags = changeFlagsOf(this.name, inv.parsed)
    const body = { ...(steps === undefined ? {} : { steps }), ...(abortOn === undefined ? {} : { abortOn }), ...(inv.parsed.flag('force') ? { force: true } : {}) }
    const answer = await sendChange(inv, 'POST', path, Object.keys(body).length === 0 ? undefined : body, flags)
    if (!watch) return printRamp(inv, answer.body)
    return await follow(inv, watching)
  }
}

/** pause, resume, promote and abort: one POST each, then the ramp as it now stands. */
function rampAction (word: string, summary: string, usage: string, options: OptionTable,
  body: (parsed: ParsedArgs, name: string) => Record<string, unknown>): Command {
  return {
    name: `ramp ${word}`,
    summary,
    help: `${usage}\n${SITE_HELP}\n\n${CHANGE_HELP}\n\n${CONNECTION_HELP}\n`,
    async run (args: string[], io: Io) {
      const inv = invoke(this.name, args, io, { ...options, ...CHANGE_OPTIONS, ...SITE_OPTION })
      expectPositionals(this.name, inv.parsed, [])
      const payload = body(inv.parsed, this.name)
      const flags = changeFlagsOf(this.name, inv.parsed)
      const answer = await sendChange(inv, 'POST', sitePath(this.name, inv.parsed.string('site'), `/v1/ramp/${word}`), Object.keys(payload).length === 0 ? undefined : payload, flags)
      return printRamp(inv, answer.body)
    }
  }
}

const pauseCommand = rampAction('pause', 'hold the ramp on its current step',
  `Usage: gatekeeper ramp pause [--reason TEXT]

Holds the ramp on its current step: the share admitted stays, the clock of the
step's hold stops until \`gatekeeper ramp resume\`.
  -r, --reason TEXT   why (recorded in the state and the audit)`,
  { reason: { type: 'string', short: 'r' } },
  (parsed) => parsed.string('reason') === undefined ? {} : { reason: parsed.string('reason') })

const resumeCommand = rampAction('resume', 'carry on a paused ramp',
  `Usage: gatekeeper ramp resume

Carries on a paused ramp: the step's hold continues where it stopped.`,
  {},
  () => ({}))

const promoteCommand = rampAction('promote', 'take the next step now (--full: open the site now)',
  `Usage: gatekeeper ramp promote [--full]

Takes the ramp's next step now, without waiting for the hold to end.
  --full   skip the remaining steps and open the site now
${FORCE_HELP}`,
  { full: { type: 'boolean' }, ...FORCE_OPTION },
  (parsed) => ({ ...(parsed.flag('full') ? { full: true } : {}), ...(parsed.flag('force') ? { force: true } : {}) }))

const abortCommand = rampAction('abort', 'stop the ramp and close the site (--reason required)',
  `Usage: gatekeeper ramp abort --reason TEXT

Stops the ramp and closes the site again; the reason is recorded with the
ramp and in the audit.
  -r, --reason TEXT   why (required)`,
  { reason: { type: 'string', short: 'r' } },
  (parsed, name) => {
    const reason = parsed.string('reason')
    if (reason === undefined || reason.trim() === '') throw usageError(`gatekeeper ${name}: --reason is required: say why the ramp is aborted`)
    return { reason }
  })

const showCommand: Command = {
  name: 'ramp show',
  summary: 'show the ramp: its steps, the one in force, the health figures',
  help: `Usage: gatekeeper ramp show

Shows the running ramp, or the last one and how it ended: each step with its
hold, the step in force and when the next begins, and the health gate's
thresholds beside this instance's figures for the upstream, and, when more
than one application node answered, each node's figures (to see which fails).
${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, SITE_OPTION)
    expectPositionals(this.name, inv.parsed, [])
    const answer = (await inv.client.call('GET', sitePath(this.name, inv.parsed.string('site'), '/v1/ramp'))).body
    if (inv.json) {
      printJson(io, answer)
      return 0
    }
    const body = isRecord(answer) ? answer : {}
    const ramp = body.ramp
    if (!isRecord(ramp)) {
      io.out('no ramp has been started\n')
      return 0
    }
    const index = typeof ramp.index === 'number' ? ramp.index : 0
    const over = isRecord(ramp.ended)
    const rows = recordsOf(ramp.steps).map((step, i) => [
      String(i + 1),
      `${textOf(step.percent)}%`,
      typeof step.holdSeconds === 'number' && step.holdSeconds > 0 ? compactDuration(step.holdSeconds) : '',
      i < index ? 'done' : i === index ? (over ? 'last reached' : ramp.paused === true ? 'paused' : 'in force') : ''
    ])
    io.out(`${rampText(ramp, io.now()) ?? ''}\n\n${renderTable(['step', 'percent', 'hold', ''], rows)}${healthText(body.health)}`)
    return 0
  }
}

/** The thresholds and this instance's figures, side by side. */
function healthText (health: unknown): string {
  if (!isRecord(health)) return ''
  const thresholds = isRecord(health.thresholds) ? health.thresholds : {}
  const local = isRecord(health.local) ? health.local : {}
  const limit = (name: string, field: string): Record<string, unknown> => {
    const section = thresholds[name]
    return isRecord(section) ? { value: section[field], min: section.minSamples } : {}
  }
  const share = (value: unknown): string => typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '?'
  const server = limit('serverErrors', 'maxShare')
  const connection = limit('connectionErrors', 'maxShare')
  const latency = limit('latencyP99', 'maxMs')
  const rows = [
    ['5xx share', share(local.serverErrorShare), `${share(server.value)} (from ${textOf(server.min)} requests)`],
    ['no answer', share(local.connectionErrorShare), `${share(connection.value)} (from ${textOf(connection.min)} requests)`],
    ['p99 latency', typeof local.p99Ms === 'number' ? `${Math.round(local.p99Ms)}ms` : '-', `${textOf(latency.value)}ms (from ${textOf(latency.min)} answers)`]
  ]
  const verdict = isRecord(health.lastVerdict) && health.lastVerdict.tripped === true
    ? `\nlast verdict: tripped: ${(Array.isArray(health.lastVerdict.reasons) ? health.lastVerdict.reasons : []).map(textOf).join('; ')}\n`
    : ''
  return `\nhealth gate (${textOf(thresholds.action)} when crossed), over ${textOf(local.requests)} requests on this instance:\n` +
    renderTable(['figure', 'now', 'limit'], rows) + nodesText(local.nodes) + verdict
}

/** Each node's figures, when the answers came from more than one: which node fails. */
function nodesText (nodes: unknown): string {
  if (!isRecord(nodes)) return ''
  const rows = Object.entries(nodes).filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1])).map(([name, node]) => [
    name,
    textOf(node.requests),
    textOf(node.serverErrors),
    textOf(node.connectionErrors),
    typeof node.p99Ms === 'number' ? `${Math.round(node.p99Ms)}ms` : '-'
  ])
  if (rows.length < 2) return ''
  return '\nby node:\n' + renderTable(['node', 'requests', '5xx', 'no answer', 'p99'], rows)
}

const watchCommand: Command = {
  name: 'ramp watch',
  summary: 'follow the ramp until it completes, is aborted, or --for runs out',
  help: `Usage: gatekeeper ramp watch [--for DURATION] [--interval DURATION]

Follows the running ramp, one progress line on stderr, until it ends; then
prints the state. Exit 0 when the ramp completed, 7 when it was aborted or
superseded, 4 when --for ran out first, 130 on Ctrl-C.

${WATCH_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, WATCH_OPTIONS)
    expectPositionals(this.name, inv.parsed, [])
    return await follow(inv, watchFlags(this.name, inv.parsed, true))
  }
}

interface WatchFlags { forMs: number | undefined, intervalMs: number }

function watchFlags (name: string, parsed: ParsedArgs, watching: boolean): WatchFlags {
  const forText = parsed.string('for')
  const intervalText = parsed.string('interval')
  if (!watching && (forText !== undefined || intervalText !== undefined)) {
    throw usageError(`gatekeeper ${name}: ${forText !== undefined ? '--for' : '--interval'} applies to --watch`)
  }
  return {
    forMs: forText === undefined ? undefined : durationMs(forText, `gatekeeper ${name}: --for`),
    intervalMs: intervalText === undefined ? 1000 : Math.max(100, durationMs(intervalText, `gatekeeper ${name}: --interval`))
  }
}

/** Watches the ramp to its end and says, by the exit code, how it ended. */
async function follow (inv: Invocation, flags: WatchFlags): Promise<number> {
  const { io } = inv
  const result = await watchState(inv, {
    forMs: flags.forMs,
    intervalMs: flags.intervalMs,
    describe: progressLine,
    finished: (state) => !isRecord(state.ramp) || isRecord(state.ramp.ended)
  })
  const ramp = isRecord(result.state.ramp) ? result.state.ramp : undefined
  if (inv.json) printJson(io, result.state)
  else io.out(renderState(result.state, io.now()))
  if (ramp === undefined) {
    io.err(`gatekeeper ${inv.name}: no ramp has been started\n`)
    return EXIT.refused
  }
  if (!result.finished) {
    if (io.interrupted.aborted) return EXIT.interrupted
    io.err(`gatekeeper ${inv.name}: the ramp is still running after ${humanDuration(flags.forMs ?? 0)}\n`)
    return EXIT.timedOut
  }
  const end = isRecord(ramp.ended) ? ramp.ended : {}
  if (end.outcome === 'completed') return EXIT.ok
  io.err(`gatekeeper ${inv.name}: the ramp was ${textOf(end.outcome)}: ${textOf(end.reason)}\n`)
  return EXIT.rampStopped
}

function printRamp (inv: Invocation, body: unknown): number {
  if (inv.json) printJson(inv.io, body)
  else if (isRecord(body)) inv.io.out(renderState(body, inv.io.now()))
  return EXIT.ok
}

export const rampCommands: readonly Command[] = [startCommand, pauseCommand, resumeCommand, promoteCommand, abortCommand, showCommand, watchCommand]
