import { expectPositionals } from '../args.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { usageError } from '../errors.js'
import { isRecord } from '../format.js'
import { SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'

const FORMATS = new Set(['markdown', 'json'])

export const timelineCommand: Command = {
  name: 'timeline',
  summary: 'the current or last window as a story: phases, who, why, how long, what people met',
  help: `Usage: gatekeeper timeline [--from TIME] [--to TIME] [--format markdown|json] [--tz ZONE]

Tells the current or last window minute by minute: each change of mode or
percent, ramp step, abort (with the health gate's figures), schedule event,
ETA extension, node, allowlist and token change, reload, with who did it,
the reason given and how long it lasted; what the public and the testers
met in each phase; then the totals: time closed, time degraded, the longest
stretch anyone waited on the page, the planned ETA against the reopening.
  --from TIME     22:00 (the last time the clock read so), now, or ISO 8601;
                  default: when the current or last window began
  --to TIME       the same forms; default: now
  --format F      markdown (default) or json
  --tz ZONE       the IANA time zone of the times shown and typed
                  (default: this machine's time zone)
${SITE_HELP}: its own changes and counts

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, {
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      tz: { type: 'string' },
      ...SITE_OPTION
    })
    expectPositionals(this.name, inv.parsed, [])
    const format = inv.parsed.string('format') ?? 'markdown'
    if (!FORMATS.has(format)) throw usageError(`gatekeeper timeline: --format must be markdown or json, got ${JSON.stringify(format)}`)
    const tz = inv.parsed.string('tz') ?? Intl.DateTimeFormat().resolvedOptions().timeZone
    const answer = await inv.client.call('GET', sitePath(this.name, inv.parsed.string('site'), '/v1/timeline'), { query: { from: inv.parsed.string('from'), to: inv.parsed.string('to'), tz } })
    if (inv.json || format === 'json') {
      const { markdown: _markdown, ...timeline } = isRecord(answer.body) ? answer.body : {}
      printJson(io, timeline)
      return 0
    }
    const markdown = isRecord(answer.body) && typeof answer.body.markdown === 'string' ? answer.body.markdown : ''
    io.out(markdown)
    return 0
  }
}
