import { expectPositionals, percentArg } from '../args.js'
import { CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { usageError } from '../errors.js'
import { isRecord, textOf } from '../format.js'
import { renderFields } from '../table.js'
import { SITE_HELP, SITE_OPTION, sitePath } from '../site-option.js'

export const admissionCommand: Command = {
  name: 'admission',
  summary: 'dry run: would this client be let in now (or at PERCENT), and why',
  help: `Usage: gatekeeper admission --ip IP [--key KEY] [--percent PERCENT] [--method M] [--path PATH]

Tells whether a client would be let in, and why, by the same decision the
gate makes on each request (for a request without cookie or bypass token).
Check before the flip: who is in at 5 %? is the DBA's address allowlisted?
  --ip IP             the client's address (required)
  --key KEY           the client's key header value, when staged.keyHeader is configured
  --percent PERCENT   judge as if staged at PERCENT (0-100)
  --method M          the request's method (default GET; matters in read-only)
  --path PATH         the request's path (default /; matters for alwaysAllow.paths)

Exit 0 when the API answered, whatever the answer; read "admitted" from --json in scripts.

${SITE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, {
      ip: { type: 'string' },
      key: { type: 'string' },
      percent: { type: 'string' },
      method: { type: 'string' },
      path: { type: 'string' },
      ...SITE_OPTION
    })
    expectPositionals(this.name, inv.parsed, [])
    const ip = inv.parsed.string('ip')
    if (ip === undefined || ip === '') throw usageError(`gatekeeper ${this.name}: --ip is required, e.g. --ip 203.0.113.7`)
    const percent = inv.parsed.string('percent')
    const answer = await inv.client.call('GET', sitePath(this.name, inv.parsed.string('site'), '/v1/admission'), {
      query: {
        ip,
        key: inv.parsed.string('key'),
        percent: percent === undefined ? undefined : percentArg(percent, `gatekeeper ${this.name}: --percent`),
        method: inv.parsed.string('method'),
        path: inv.parsed.string('path')
      }
    })
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const body = isRecord(answer.body) ? answer.body : {}
    const client = isRecord(body.client) ? body.client : {}
    io.out(renderFields([
      ['admitted', body.admitted === true ? 'yes' : 'no'],
      ['because', textOf(body.explanation)],
      ['reason', textOf(body.reason)],
      ['judged in', body.mode === 'staged' ? `staged ${textOf(body.percent)}%` : textOf(body.mode)],
      ['client', `${textOf(client.ip)}${client.key === null || client.key === undefined ? '' : ` key ${textOf(client.key)}`}, keyed by ${textOf(client.keyedBy)}`],
      ['bucket', `${textOf(client.bucket)} of 0-9999: admitted from ${textOf(client.admittedFromPercent)}%`],
      ['state version', textOf(body.version)]
    ]))
    return 0
  }
}
