import { CHANGE_OPTIONS, expectPositionals, timeArg } from '../args.js'
import { changeFlagsOf, sendChange } from '../change.js'
import { CHANGE_HELP, CONNECTION_HELP, invoke, printJson, type Command } from '../command.js'
import { isRecord, moment, recordsOf, textOf } from '../format.js'
import { renderTable } from '../table.js'

const addCommand: Command = {
  name: 'allow add',
  summary: 'let an address or network through the gate',
  help: `Usage: gatekeeper allow add CIDR [--label TEXT] [--expires TIME]

Adds a dynamic allowlist entry, at once on every instance: clients from CIDR
pass in every mode. A single address is /32 (IPv4) or /128 (IPv6).
  --label TEXT     who or what it is ("DBA laptop")
  --expires TIME   when it stops: ISO 8601 with a zone, or a duration from now (8h)

Example: gatekeeper allow add 203.0.113.7/32 --label "tester: Ana" --expires 6h

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, { label: { type: 'string', short: 'l' }, expires: { type: 'string' }, ...CHANGE_OPTIONS })
    const [cidr] = expectPositionals(this.name, inv.parsed, ['cidr'])
    const flags = changeFlagsOf(this.name, inv.parsed)
    const body: Record<string, unknown> = { cidr }
    const label = inv.parsed.string('label')
    const expires = inv.parsed.string('expires')
    if (label !== undefined) body.label = label
    if (expires !== undefined) body.expiresAt = timeArg(expires, `gatekeeper ${this.name}: --expires`, io.now())
    const answer = await sendChange(inv, 'POST', '/v1/allowlist', body, flags)
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const state = isRecord(answer.body) ? answer.body : {}
    // the API appends the new entry
    const entry = recordsOf(state.allowlist).at(-1) ?? {}
    const expiry = moment(textOf(entry.expiresAt), io.now())
    io.out(`allowed ${textOf(entry.cidr)}${textOf(entry.label) === '' ? '' : ` (${textOf(entry.label)})`}${expiry === undefined ? ', no expiry' : `, until ${expiry}`}; state version ${textOf(state.version)}\n`)
    return 0
  }
}

const listCommand: Command = {
  name: 'allow list',
  summary: 'list the allowlist: the configured entries and the dynamic ones',
  help: `Usage: gatekeeper allow list

Lists who passes the gate by address: the entries from the configuration
(changed only there) and the dynamic ones (allow add / allow remove).

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io)
    expectPositionals(this.name, inv.parsed, [])
    const answer = await inv.client.call('GET', '/v1/allowlist')
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    const body = isRecord(answer.body) ? answer.body : {}
    const rows = [
      ...recordsOf(body.static).map((entry) => [textOf(entry.cidr), textOf(entry.label), 'config', '', '']),
      ...recordsOf(body.dynamic).map((entry) => [
        textOf(entry.cidr),
        textOf(entry.label),
        entry.expired === true ? 'dynamic (expired)' : 'dynamic',
        moment(textOf(entry.expiresAt), io.now()) ?? 'never',
        textOf(entry.addedBy)
      ])
    ]
    io.out(rows.length === 0 ? 'the allowlist is empty\n' : renderTable(['cidr', 'label', 'source', 'expires', 'added by'], rows))
    return 0
  }
}

const removeCommand: Command = {
  name: 'allow remove',
  summary: 'remove a dynamic allowlist entry',
  help: `Usage: gatekeeper allow remove CIDR

Removes a dynamic allowlist entry, at once on every instance. Entries from the
configuration file are changed there.

${CHANGE_HELP}

${CONNECTION_HELP}
`,
  async run (args, io) {
    const inv = invoke(this.name, args, io, CHANGE_OPTIONS)
    const [cidr] = expectPositionals(this.name, inv.parsed, ['cidr'])
    const flags = changeFlagsOf(this.name, inv.parsed)
    const answer = await sendChange(inv, 'DELETE', `/v1/allowlist/${encodeURIComponent(cidr as string)}`, undefined, flags)
    if (inv.json) {
      printJson(io, answer.body)
      return 0
    }
    io.out(`removed ${cidr as string} from the allowlist; state version ${textOf(isRecord(answer.body) ? answer.body.version : '')}\n`)
    return 0
  }
}

export const allowCommands: readonly Command[] = [addCommand, listCommand, removeCommand]
