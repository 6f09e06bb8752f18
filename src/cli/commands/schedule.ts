import { CHANGE_OPTIONS, durationSeconds, expectPositionals, timeArg } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CHANGE_HELP, CONNECTION_HELP, invoke, printJson, type Command, type Invocation } from '../command.js'
import { AdminRefusal } from '../client.js'
import { usageError } from '../errors.js'
import { isRecord, moment, textOf } from '../format.js'
import { abortOnOf, parseStepsArg, RAMP_PLAN_HELP, RAMP_PLAN_OPTIONS } from '../ramp-plan.js'
import { scheduleText, stepsText } from '../state-view.js'
import { renderFields } from '../table.js'
import { FORCE_HELP, FORCE_OPTION, SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'

const THEN = ['hold', 'ramp', 'open']

const createCommand: Command = {
  name: 'schedule create',
  summary: 'plan a window: close at a time, then hold, ramp or open',
  help: `Usage: gatekeeper schedule create --close-at TIME [--open-at TIME] [--reason TEXT]
                                  [--then hold|ramp|open] [--steps STEPS] [health options]

Plans the window: the site closes by itself at --close-at, and the public is
told the expected end (--open-at: Retry-After and the page's countdown follow
it). At --open-at the site
  hold   stays closed until someone reopens it (the default: no clock declares an upgrade done)
  ramp   reopens gradually through --steps (default: the configuration's ramp.steps)
  open   opens at once
TIME is ISO 8601 with a zone (2026-11-22T01:00:00+01:00) or a duration from now (+3h).
  --close-at TIME    when to close (required)
  --open-at TIME     the expected end (required for --then ramp or open)
  -r, --reason TEXT  shown to the public
  --then WHAT        hold, ramp or open
  --steps STEPS      with --then ramp: such as 5%:5m,25%:10m,100%

${RAMP_PLAN_HELP}

Example: gatekeeper schedule create --close-at 2026-11-22T01:00:00+01:00 \\
           --open-at 2026-11-22T05:00:00+01:00 --reason "Upgrade to 23.1" --then hold

${CHANGE_HELP}

${SITE_HELP}
${FORCE_HELP}; its opening then never holds for one

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, {
      'close-at': { type: 'string' },
      'open-at': { type: 'string' },
      reason: { type: 'string', short: 'r' },
      then: { type: 'string' },
      steps: { type: 'string' },
      ...RAMP_PLAN_OPTIONS,
      ...CHANGE_OPTIONS,
      ...SITE_OPTION,
      ...FORCE_OPTION
    })
    expectPositionals(this.name, inv.parsed, [])
    const closeAt = inv.parsed.string('close-at')
    if (closeAt === undefined) throw usageError(`gatekeeper ${this.name}: --close-at is required, e.g. --close-at 2026-11-22T01:00:00+01:00 or --close-at +1h`)
    const openAt = inv.parsed.string('open-at')
    const then = inv.parsed.string('then')
    if (then !== undefined && !THEN.includes(then)) throw usageError(`gatekeeper ${this.name}: --then must be hold, ramp or open, got ${JSON.stringify(then)}`)
    const stepsArg = inv.parsed.string('steps')
    const abortOn = abortOnOf(inv.parsed, this.name)
    if (then !== 'ramp' && (stepsArg !== undefined || abortOn !== undefined)) {
      throw usageError(`gatekeeper ${this.name}: --steps and the health options go with --then ramp`)
    }
    const now = io.now()
    const body: Record<string, unknown> = { closeAt: timeArg(closeAt, `gatekeeper ${this.name}: --close-at`, now) }
    if (openAt !== undefined) body.openAt = timeArg(openAt, `gatekeeper ${this.name}: --open-at`, now)
    const reason = inv.parsed.string('reason')
    if (reason !== undefined) body.reason = reason
    if (then !== undefined) body.then = then
    if (inv.parsed.flag('force')) body.force = true
    if (then === 'ramp') {
      const ramp: Record<string, unknown> = {}
      if (stepsArg !== undefined) ramp.steps = parseStepsArg(stepsArg, `gatekeeper ${this.name}: --steps`)
      if (abortOn !== undefined) ramp.abortOn = abortOn
      if (Object.keys(ramp).length > 0) body.ramp = ramp
    }
    const answer = await sendChange(inv, 'POST', sitePath(this.name, inv.parsed.string('site'), '/v1/schedule'), body, changeFlagsOf(this.name, inv.parsed))
    return printSchedule(inv, answer.body)
  }
}

const showCommand: Command = {
  name: 'schedule show',
  summary: 'show the planned window',
  help: `Usage: gatekeeper schedule show

Shows the planned window: when the site closes, the expected end, and what
happens then. With --json, null when there is none.

${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, SITE_OPTION)
    expectPositionals(this.name, inv.parsed, [])
    let schedule: unknown = null
    try {
      schedule = (await inv.client.call('GET', sitePath(this.name, inv.parsed.string('site'), '/v1/schedule'))).body
    } catch (err) {
      // "there is no schedule" is an answer here, not a failure
      if (!(err instanceof AdminRefusal && err.statusCode === 404 && err.code === 'GK_ERR_NOT_FOUND')) throw err
    }
    if (inv.json) {
      printJson(io, schedule)
      return 0
    }
    io.out(isRecord(schedule) ? renderSchedule(schedule, io.now()) : 'no schedule\n')
    return 0
  }
}

const extendCommand: Command = {
  name: 'schedule extend',
  summary: 'move the planned end: --open-at TIME or --by DURATION',
  help: `Usage: gatekeeper schedule extend (--open-at TIME | --by DURATION)

Moves the window's planned end; once the window has begun, the public's
expected end (Retry-After, the page's countdown) moves with it.
  --open-at TIME   the new end: ISO 8601 with a zone, or a duration from now (+2h)
  --by DURATION    push the current end back by this much (30m, 1h)

${CHANGE_HELP}

${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { 'open-at': { type: 'string' }, by: { type: 'string' }, ...CHANGE_OPTIONS, ...SITE_OPTION })
    expectPositionals(this.name, inv.parsed, [])
    const openAt = inv.parsed.string('open-at')
    const by = inv.parsed.string('by')
    if ((openAt === undefined) === (by === undefined)) throw usageError(`gatekeeper ${this.name}: give one of --open-at TIME or --by DURATION`)
    const body = openAt !== undefined
      ? { openAt: timeArg(openAt, `gatekeeper ${this.name}: --open-at`, io.now()) }
      : { by: durationSeconds(by as string, `gatekeeper ${this.name}: --by`, 60, 7 * 86400) }
    const answer = await sendChange(inv, 'POST', sitePath(this.name, inv.parsed.string('site'), '/v1/schedule/extend'), body, changeFlagsOf(this.name, inv.parsed))
    return printSchedule(inv, answer.body)
  }
}

const cancelCommand: Command = {
  name: 'schedule cancel',
  summary: 'drop the planned window (the mode stays as it is)',
  help: `Usage: gatekeeper schedule cancel

Drops the schedule. The mode is left as it is: a window that has begun stays
closed until someone opens or ramps.

${CHANGE_HELP}

${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { ...CHANGE_OPTIONS, ...SITE_OPTION })
    expectPositionals(this.name, inv.parsed, [])
    const answer = await sendChange(inv, 'DELETE', sitePath(this.name, inv.parsed.string('site'), '/v1/schedule'), undefined, changeFlagsOf(this.name, inv.parsed))
    if (inv.json) printJson(io, answer.body)
    else io.out(`schedule cancelled; the site stays ${textOf(isRecord(answer.body) ? answer.body.mode : '')}; state version ${textOf(isRecord(answer.body) ? answer.body.version : '')}\n`)
    return 0
  }
}

function renderSchedule (schedule: Record<string, unknown>, now: number): string {
  return renderFields([
    ['schedule', scheduleText(schedule, now)],
    ['closes at', moment(textOf(schedule.closeAt), now)],
    ['opens at', moment(textOf(schedule.openAt), now) ?? '(no planned end)'],
    ['then', textOf(schedule.then)],
    ['ramp steps', schedule.then === 'ramp' ? stepsText(schedule.ramp) : undefined],
    ['reason', textOf(schedule.reason)],
    ['phase', schedule.phase === 'closed' ? 'the window has begun: closed' : 'pending: not closed yet'],
    ['created', `${moment(textOf(schedule.createdAt), now) ?? ''} by ${textOf(schedule.createdBy)}`]
  ])
}

/** A change answers the whole state; the schedule is what this command is about. */
function printSchedule (inv: Invocation, body: unknown): number {
  if (inv.json) {
    printJson(inv.io, body)
    return 0
  }
  const state = isRecord(body) ? body : {}
  inv.io.out(isRecord(state.schedule) ? renderSchedule(state.schedule, inv.io.now()) : 'no schedule\n')
  inv.io.out(`state version ${textOf(state.version)}\n`)
  return 0
}

export const scheduleCommands: readonly Command[] = [createCommand, showCommand, extendCommand, cancelCommand]
